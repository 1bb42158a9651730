import { createHttpClients, resolveChain } from "../chain/clients.js";
import { configuredDeployment } from "./deployment.js";
import type { KeeperConfig } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { formatUsd } from "../risk/profit.js";
import { planBlock, type Plan } from "../strategy/index.js";
import type { Snapshot } from "../watcher/snapshot.js";
import { Watcher } from "../watcher/watcher.js";
import { strategyFromConfig, watcherOptionsFromConfig } from "./fromConfig.js";

/** One read of the chain and the plan the keeper would make from it, as plain data. */
export interface ScanResult {
  snapshot: Snapshot;
  plan: Plan;
}

/** Reads one snapshot of `rpcUrl` and plans on it; sends nothing. Shared by `keeper scan` and `keeper simulate`. */
export async function scanOnce(config: KeeperConfig, rpcUrl: string, executor?: `0x${string}`): Promise<ScanResult> {
  const deployment = await configuredDeployment(config, rpcUrl);
  const chain = await resolveChain(rpcUrl, deployment.multicall3);
  const clients = createHttpClients({
    chain,
    rpcUrl,
    rpcUrls: rpcUrl === config.rpcUrl ? config.rpcUrls : [],
    account: "0x0000000000000000000000000000000000000001",
  });
  const watcher = new Watcher(
    clients.public,
    deployment,
    watcherOptionsFromConfig(deployment, config, executor ?? config.executorAddress),
  );
  const snapshot = await watcher.snapshot();
  const plan = planBlock(snapshot, strategyFromConfig(deployment, config));
  return { snapshot, plan };
}

/** A scan as text for a person. */
export function formatScan(r: ScanResult): string {
  const s = r.snapshot;
  const lines = [
    `block ${s.blockNumber} (base fee ${s.baseFeePerGas} wei): ${s.stats.borrowersWatched} Aave and ${s.stats.morphoBorrowersWatched} Morpho borrowers, ` +
      `${s.v2Pairs?.length ?? 0} V2 pairs, ${s.v3Pools?.length ?? 0} V3 pools read in ${s.stats.readMs.toFixed(0)} ms`,
    `would act on ${r.plan.selected.length}:`,
    ...r.plan.selected.map(
      (c) =>
        `  ${c.opportunity.id}  ${c.action.kind}  net ${formatUsd(c.netProfitUsd)} (gross ${formatUsd(c.opportunity.expectedProfitUsd)}, gas ${formatUsd(c.gasCostUsd)})  ${JSON.stringify(c.context)}`,
    ),
    `skipped ${r.plan.skipped.length}:`,
    ...r.plan.skipped.map((k) => `  ${k.id}: [${k.skip.code}] ${k.skip.message}`),
  ];
  return lines.join("\n");
}

/** A scan as JSON (bigints as strings). */
export function scanToJson(r: ScanResult): string {
  return JSON.stringify(
    {
      block: r.snapshot.blockNumber,
      selected: r.plan.selected.map((c) => ({
        id: c.opportunity.id,
        action: c.action,
        netProfitUsd: c.netProfitUsd,
        gasCostUsd: c.gasCostUsd,
        context: c.context,
      })),
      skipped: r.plan.skipped,
    },
    (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    2,
  );
}

/** `keeper scan`: prints what the keeper would do at the current block. */
export async function runScan(config: KeeperConfig, json: boolean): Promise<number> {
  if (!config.rpcUrl)
    throw new KeeperError("RPC_URL is not set.", { metaMessages: ["Pass --rpc <url> or set RPC_URL."] });
  const r = await scanOnce(config, config.rpcUrl);
  console.log(json ? scanToJson(r) : formatScan(r));
  return 0;
}
