/**
 * Per-block arbitrageurs for an interval-mining node. The world's runArbitrageurs sends its swaps one after the
 * other and waits for each receipt, so with real block times one round takes a block per pool. Here each pool has
 * its own arbitrageur (own account, own nonce stream) running the world's arbitrageStep on a one-pool view of the
 * world, all at once: every pool gets one swap of `strength` into the block after each head they react to.
 */
import type { Address } from "viem";
import { createHttpClients } from "../../src/chain/clients.js";
import { arbitrageStep, type V2PairName, type World } from "../../src/world/index.js";
import type { CascadeChain } from "./chain.js";

/** A view of the world holding one pool only: arbitrageStep then trades that pool alone. */
function onePoolViews(world: World): World[] {
  const v2 = (Object.keys(world.uniswapV2.pairs) as V2PairName[]).map((name): World => ({
    ...world,
    uniswapV2: { ...world.uniswapV2, pairs: { [name]: world.uniswapV2.pairs[name] } as World["uniswapV2"]["pairs"] },
    uniswapV3: { ...world.uniswapV3, pools: {} as World["uniswapV3"]["pools"] },
  }));
  const v3: World = { ...world, uniswapV2: { ...world.uniswapV2, pairs: {} as World["uniswapV2"]["pairs"] } };
  return [...v2, v3];
}

/** What the arbitrageurs did over a run. */
export interface ArbitrageTally {
  rounds: number;
  swaps: number;
  /** A round that threw (a swap reverted, the node went away): the message, once per kind. */
  errors: string[];
}

/**
 * Runs until `signal` aborts: on each new head, if the previous round is done, every pool's arbitrageur runs one
 * arbitrageStep at once. Resolves with the tally once the round in flight has finished.
 */
export async function runPerBlockArbitrageurs(
  c: CascadeChain,
  p: { strength: number; signal: AbortSignal; pollMs: number },
): Promise<ArbitrageTally> {
  const views = onePoolViews(c.world);
  if (c.arbitrageurs.length < views.length)
    throw new Error(`need ${views.length} arbitrageur accounts, the node lists ${c.arbitrageurs.length}`);
  const chain = c.clients.public.chain;
  const url = c.node.url;
  const clients = views.map((_, i) =>
    createHttpClients({ chain, rpcUrl: url, account: c.arbitrageurs[i] as Address, pollingInterval: 50 }),
  );
  const tally: ArbitrageTally = { rounds: 0, swaps: 0, errors: [] };
  let last = -1n;
  while (!p.signal.aborted) {
    const head = await c.clients.public.getBlockNumber({ cacheTime: 0 });
    if (head > last) {
      last = head;
      const results = await Promise.allSettled(
        views.map((w, i) => arbitrageStep(clients[i], w, { strength: p.strength })),
      );
      tally.rounds++;
      for (const r of results) {
        if (r.status === "fulfilled") tally.swaps += r.value.filter((x) => x.txHash).length;
        else {
          const msg = r.reason instanceof Error ? r.reason.message.split("\n")[0] : String(r.reason);
          if (!tally.errors.includes(msg)) tally.errors.push(msg);
        }
      }
      // The round's swaps landed in the block after `head`; that block (with whatever else it holds) is the next
      // one they react to, so each pool gets one swap per block.
      continue;
    }
    await new Promise((r) => setTimeout(r, p.pollMs));
  }
  return tally;
}
