/**
 * One measured run of the cascade: the keeper (one planner) warmed up on the calm world, the crash, then interval
 * mining with the keeper (and optionally the arbitrageurs) running for a fixed number of blocks. The keeper's
 * scans go through a counting proxy (the fault proxy at rate 0), so the scan's JSON-RPC calls per block are
 * measured on the wire; everything else is measured afterwards from the chain.
 */
import { createPublicClient, http, type Chain, type PublicClient, type Transport } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { Keeper, type KeeperOptions } from "../../src/keeper/keeper.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { startFaultProxy } from "../../src/testing/faultProxy.js";
import type { Snapshot } from "../../src/watcher/snapshot.js";
import { Watcher } from "../../src/watcher/watcher.js";
import type { TokenSymbol } from "../../src/world/index.js";
import { runPerBlockArbitrageurs, type ArbitrageTally } from "./arbitrageurs.js";
import { crash, startIntervalMining, stopIntervalMining, type CascadeChain } from "./chain.js";
import { measureBlocks, type BlockFigures } from "./measure.js";
import { underwaterAt, type Underwater } from "./targets.js";

/** The keeper's planner: "single" (one candidate at a time) or "sequence" (the sequencing planner). */
export type Planner = "single" | "sequence";

/** One scan the keeper made, and the JSON-RPC calls it cost on the wire. */
export interface ScanCost {
  block: bigint;
  calls: number;
  /** The same calls by JSON-RPC method. */
  byMethod: Record<string, number>;
}

/** Parameters of one run. */
export interface RunParams {
  planner: Planner;
  blocks: number;
  intervalMs: number;
  /** Arbitrage strength per block, or null for no arbitrageurs. */
  arbitrage: number | null;
  crashPct: number;
  multicallChunk: number;
}

/** Everything one run measured. */
export interface RunResult {
  crashBlock: bigint;
  prices: Record<TokenSymbol, bigint>;
  /** Underwater right after the crash (every size). */
  underwater: Underwater[];
  /** Underwater at the last block of the window. */
  residual: Underwater[];
  /** The window: the `blocks` blocks after the crash. */
  rows: BlockFigures[];
  /** Blocks after the window, mined while the keeper finished the send it had in flight. */
  tail: BlockFigures[];
  scans: ScanCost[];
  /** Positions the watcher reads (Aave + Morpho borrowers it found). */
  positionsWatched: number;
  arbitrage?: ArbitrageTally;
  keeperErrors: string[];
  /** The keeper's own account, for diagnosis only: distinct skips by reason code, and failed sends. */
  keeperSkips: Record<string, number>;
  keeperFailures: number;
  /** Distinct reasons of the failed sends (first 160 characters). */
  keeperFailureReasons: string[];
  wallMs: number;
}

/** A Watcher that records the JSON-RPC calls each snapshot made through the counting proxy. */
class CountingWatcher extends Watcher {
  readonly scans: ScanCost[] = [];
  positions = 0;
  constructor(
    client: PublicClient<Transport, Chain>,
    deployment: ConstructorParameters<typeof Watcher>[1],
    options: ConstructorParameters<typeof Watcher>[2],
    private readonly wire: () => readonly { methods: string[] }[],
  ) {
    super(client, deployment, options);
  }

  override async snapshot(blockNumber?: bigint): Promise<Snapshot> {
    const before = this.wire().length;
    const s = await super.snapshot(blockNumber);
    const byMethod: Record<string, number> = {};
    for (const r of this.wire().slice(before)) for (const m of r.methods) byMethod[m] = (byMethod[m] ?? 0) + 1;
    this.scans.push({ block: s.blockNumber, calls: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod });
    this.positions = s.stats.borrowersWatched + s.stats.morphoBorrowersWatched;
    return s;
  }
}

const PRIORITY_FEE = 1_000_000_000n;

/** Runs the scenario once on `c` (which must be at the calm, pre-crash state, automining). */
export async function runCascade(c: CascadeChain, p: RunParams): Promise<RunResult> {
  const t0 = performance.now();
  const chain = c.clients.public.chain;
  const proxy = await startFaultProxy({ upstreamUrl: c.node.url, seed: 1, faultRate: 0 });
  const scanClient = createPublicClient({
    chain,
    transport: http(proxy.url, { retryCount: 0, timeout: 60_000 }),
    pollingInterval: 50,
  }) as PublicClient<Transport, Chain>;
  const client = createPublicClient({
    chain,
    transport: http(c.node.url, { retryCount: 2, timeout: 60_000 }),
    pollingInterval: 50,
  }) as PublicClient<Transport, Chain>;
  const watcher = new CountingWatcher(
    scanClient,
    c.world,
    {
      watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
      executor: c.executor,
      multicallChunk: p.multicallChunk,
    },
    // Every request the proxy saw, with its JSON-RPC methods (a batch carries several): only the watcher uses it.
    () => proxy.log(),
  );
  const send = createLocalPipeline({
    client,
    executor: c.executor,
    account: devAccount(1),
    fees: { priorityFeePerGas: PRIORITY_FEE, maxFeePerGasCap: 500_000_000_000n },
    pollIntervalMs: 50,
  });
  const keeperErrors: string[] = [];
  let idleBlocks = 0;
  let afterCrash = false;
  const options = {
    client,
    watcher,
    strategy: strategyContextFor(c.world, {
      minProfitUsd: 1n * 10n ** 8n,
      priorityFeePerGas: PRIORITY_FEE,
      thresholdBps: 30n,
      toleranceBps: 1,
    }),
    execute: createExecuteFn(send.pipeline, { wethToken: c.world.tokens.WETH.address }),
    dryRun: false,
    planner: p.planner,
    settleInBackground: true,
    onEvent: (e) => {
      if (e.type === "block" && afterCrash) idleBlocks = e.candidates === 0 ? idleBlocks + 1 : 0;
      // CASCADE_TRACE=1: what the keeper planned and what became of it, per block (diagnosis).
      if (process.env.CASCADE_TRACE && afterCrash) {
        const t = ((performance.now() - t0) / 1000).toFixed(1);
        if (e.type === "block")
          console.log(
            `  [${t}s] keeper block ${e.snapshot.blockNumber}: ${e.candidates} tx planned, ${e.underwater} under HF 1, read ${e.snapshot.stats.readMs.toFixed(0)} ms`,
          );
        if (e.type === "send")
          console.log(`  [${t}s]   send ${e.candidate.action.kind} x${e.candidate.members?.length ?? 1}`);
        if (e.type === "split")
          console.log(
            `  [${t}s]   split ${e.candidate.action.kind} x${e.candidate.members?.length ?? 1}: ${e.skip.message.slice(0, 100)}`,
          );
        if (e.type === "outcome")
          console.log(
            `  [${t}s]   ${e.outcome.status} ${e.candidate.action.kind} x${e.candidate.members?.length ?? 1}${e.outcome.status === "skipped" ? `: ${e.outcome.skip.message.slice(0, 120)}` : ""}`,
          );
      }
    },
    onError: (err) => {
      const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
      if (!keeperErrors.includes(msg)) keeperErrors.push(msg);
    },
  } satisfies KeeperOptions;
  const keeper = new Keeper(options);
  const ac = new AbortController();
  let arbDone: Promise<ArbitrageTally> | undefined;
  try {
    // Discovery of every borrower happens here, on the calm world: the measured scans are the steady state.
    await keeper.processBlock();
    const crashed = await crash(c, p.crashPct);
    const underwater = await underwaterAt(client, c.world, crashed.block, crashed.prices);
    const firstScan = watcher.scans.length;
    afterCrash = true;
    await startIntervalMining(c, p.intervalMs);
    const keeperDone = keeper.run({ signal: ac.signal, pollIntervalMs: 50 });
    if (p.arbitrage !== null)
      arbDone = runPerBlockArbitrageurs(c, { strength: p.arbitrage, signal: ac.signal, pollMs: 50 });
    const last = crashed.block + BigInt(p.blocks);
    // Until the last block, or until the keeper has had nothing to do for 3 blocks in a row.
    while ((await client.getBlockNumber({ cacheTime: 0 })) < last && idleBlocks < 3)
      await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await keeperDone;
    const arbitrage = await arbDone;
    await stopIntervalMining(c);
    const end = await client.getBlockNumber({ cacheTime: 0 });
    const windowEnd = end < last ? end : last;
    const measure = (from: bigint, to: bigint) =>
      measureBlocks(client, {
        world: c.world,
        executor: c.executor,
        keeper: c.keeper,
        from,
        to,
        prices: crashed.prices,
      });
    const rows = await measure(crashed.block + 1n, windowEnd);
    const tail = end > windowEnd ? await measure(windowEnd + 1n, end) : [];
    const residual = await underwaterAt(client, c.world, windowEnd, crashed.prices);
    return {
      crashBlock: crashed.block,
      prices: crashed.prices,
      underwater,
      residual,
      rows,
      tail,
      scans: watcher.scans.slice(firstScan),
      positionsWatched: watcher.positions,
      arbitrage,
      keeperErrors,
      keeperSkips: keeper.report.skipped.reduce<Record<string, number>>(
        (m, x) => ({ ...m, [x.code]: (m[x.code] ?? 0) + 1 }),
        {},
      ),
      keeperFailures: keeper.report.failures.length,
      keeperFailureReasons: [...new Set(keeper.report.failures.map((f) => f.error.slice(0, 160)))],
      wallMs: performance.now() - t0,
    };
  } finally {
    ac.abort();
    await arbDone?.catch(() => undefined);
    send.journal.close();
    await proxy.close();
  }
}
