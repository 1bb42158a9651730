import type { World } from "../world/types.js";
import { wrappedNativeToken } from "../chain/deployment.js";
import { DEPLOYMENT_SECTIONS } from "../protocols/registry.js";
import { loadDeployment } from "../chain/deployment.js";
import type { KeeperConfig } from "../config/index.js";
import { createNarrator } from "../demo/narrator.js";
import { KeeperError } from "../errors.js";
import { checkDeploymentOnFork, prepareForkExecutor, startLocalFork } from "../fork/fork.js";
import { applyScenario, parseScenario } from "../world/shocks.js";
import { Keeper } from "../keeper/keeper.js";
import { reportToJson, type KeeperReport } from "../keeper/report.js";
import { devAccount } from "../chain/devAccounts.js";
import { createExecuteFn, createLocalPipeline } from "../keeper/pipeline.js";
import { formatUsd } from "../risk/profit.js";
import { Watcher } from "../watcher/watcher.js";
import { strategyFromConfig, watcherOptionsFromConfig } from "./fromConfig.js";
import { getPrices, mine } from "../world/actions.js";
import { arbitrageStep } from "../world/arbitrage.js";

export interface SimulateOptions {
  shocks: string[];
  swaps: string[];
  blocks: number;
  json: boolean;
  forkBlock?: bigint;
  /** Arbitrageurs' strength: each block, every pool closes this fraction of its gap to the feeds (0 = none). */
  arbitrage?: number;
}

/**
 * `keeper simulate`: forks the target chain locally, applies a scenario (feed shocks, pool swaps), runs the
 * keeper on the fork for a few blocks with a fresh executor and the fork's development accounts, and reports
 * what it did and earned. Nothing is sent to the target chain: only the local fork changes.
 */
export async function runSimulate(
  config: KeeperConfig,
  options: SimulateOptions,
): Promise<{ code: number; report: KeeperReport }> {
  const upstream = config.forkUrl ?? config.rpcUrl;
  if (!upstream)
    throw new KeeperError("No chain to simulate on.", {
      metaMessages: ["Pass --rpc <url> (or FORK_URL) of the chain to fork."],
    });
  const deployment = loadDeployment(config.deploymentFile, DEPLOYMENT_SECTIONS);
  const lines: string[] = [];
  const say = (l: string) => (options.json ? lines.push(l) : console.log(l));
  const fork = await startLocalFork({ upstreamUrl: upstream, forkBlock: options.forkBlock ?? config.forkBlock });
  let closeJournal = () => {};
  try {
    say(`forked ${fork.forkBlock} into a local node at ${fork.url}; the target chain is only read`);
    await checkDeploymentOnFork(fork, deployment);
    const { executor, keeperClients } = await prepareForkExecutor(fork);
    // Shocks are played by the world's market actors (settable feeds, PoolActor): the deployment must be a world file.
    const world = deployment as unknown as World;
    const scenario = parseScenario(options.shocks, options.swaps, await getPrices(fork.clients, world));
    await applyScenario(fork, world, scenario);
    say(`scenario applied: ${[...options.shocks, ...options.swaps].join(" ") || "(none)"}`);
    const watcher = new Watcher(
      keeperClients.public,
      deployment,
      watcherOptionsFromConfig(deployment, config, executor),
    );
    // The production send path on an in-memory journal, signing locally as the fork's keeper (dev account #1).
    const send = createLocalPipeline({
      client: keeperClients.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: config.priorityFeeWei, maxFeePerGasCap: config.maxGasPriceWei },
      pollIntervalMs: 50,
    });
    closeJournal = () => send.journal.close();
    const keeper = new Keeper({
      client: keeperClients.public,
      watcher,
      strategy: strategyFromConfig(deployment, config),
      planner: config.planner,
      maxTxGasShareBps: BigInt(config.maxTxGasShareBps),
      execute: createExecuteFn(send.pipeline, { wethToken: wrappedNativeToken(deployment).address }),
      dryRun: false,
      onEvent: createNarrator(say),
    });
    for (let i = 0; i < options.blocks; i++) {
      await keeper.processBlock();
      // CEX-DEX arbitrageurs move every pool part of the way back to the feeds between the keeper's blocks.
      if (options.arbitrage) await arbitrageStep(fork.clients, world, { strength: options.arbitrage });
      await mine(fork.clients, 1);
    }
    const r = keeper.report;
    if (options.json) console.log(reportToJson(r));
    else
      say(
        `\nwould earn about ${formatUsd(keeper.totalProfitUsd8)}: ${r.liquidations.length} liquidation(s), ${r.rebalances.length} rebalance(s), ${r.skipped.length} skipped`,
      );
    return { code: 0, report: r };
  } finally {
    closeJournal();
    await fork.stop();
  }
}
