/**
 * What the fault tests share: the keeper's `run` arguments against an upstream world, a block ticker, whether the
 * victims are healthy again, and the chain-side checks of the keeper's sends (no nonce gap or reuse, nothing reverted).
 */
import { join } from "node:path";
import type { Address } from "viem";
import { aavePoolAbi } from "./abis.js";
import { DEV_ADDRESS_1 } from "./node.js";
import { noncesSentBy, type Upstream } from "./upstream.js";

/** `keeper run` against `rpc` on the upstream world, watching Aave and the V2 pairs, with `extra` flags appended. */
export function keeperRunArgs(
  up: Upstream,
  p: { rpc: string; dataDir: string; reportFile: string; extra?: readonly string[] },
): string[] {
  return [
    "run",
    "--rpc",
    p.rpc,
    "--deployment-file",
    up.worldFile,
    "--executor-address",
    up.executor,
    "--watch",
    "aave-v3,uniswap-v2",
    "--poll-interval-ms",
    "100",
    "--data-dir",
    join(up.dir, p.dataDir),
    "--ops-port",
    "off",
    "--report-file",
    p.reportFile,
    ...(p.extra ?? []),
  ];
}

/** The node only mines on transactions: ticks it like a chain with `ms` blocks. Returns the stop function. */
export function startTicker(up: Upstream, ms = 1_000): () => void {
  const t = setInterval(
    () => void up.clients.public.request({ method: "evm_mine", params: [] } as never).catch(() => {}),
    ms,
  );
  return () => clearInterval(t);
}

/** True when every victim's Aave health factor is back at or above 1. */
export async function allHealthy(up: Upstream, victims: readonly Address[]): Promise<boolean> {
  const data = await Promise.all(
    victims.map((v) =>
      up.clients.public.readContract({
        address: up.world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [v],
      }),
    ),
  );
  return data.every((d) => d[5] >= 10n ** 18n);
}

/** Polls `done` every `stepMs` until it holds or `ms` pass; returns its last answer. */
export async function waitFor(done: () => Promise<boolean> | boolean, ms: number, stepMs = 500): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return done();
}

/** What the keeper account sent from `fromBlock` to the head: nonces in order, and how many receipts failed. */
export async function keeperSends(
  up: Upstream,
  fromBlock: bigint,
): Promise<{ nonces: number[]; consecutive: boolean; reverted: number; head: bigint }> {
  const head = await up.clients.public.getBlockNumber();
  const nonces = await noncesSentBy(up.clients, DEV_ADDRESS_1, fromBlock, head);
  const sorted = [...nonces].sort((a, b) => a - b);
  const consecutive = sorted.every((n, i) => n === sorted[0] + i);
  let reverted = 0;
  for (let b = fromBlock; b <= head; b++) {
    const block = await up.clients.public.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions)
      if (typeof tx !== "string" && tx.from.toLowerCase() === DEV_ADDRESS_1.toLowerCase())
        if ((await up.clients.public.getTransactionReceipt({ hash: tx.hash })).status !== "success") reverted++;
  }
  return { nonces: sorted, consecutive, reverted, head };
}
