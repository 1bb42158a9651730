import type { Address } from "viem";
import type { Deployment } from "../chain/deployment.js";
import type { KeeperConfig } from "../config/index.js";
import type { DiscoveryOptions } from "../protocols/discovery.js";
import { strategyContextFor } from "../strategy/context.js";
import type { StrategyContext } from "../strategy/types.js";
import type { WatchTarget, WatcherOptions } from "../watcher/watcher.js";

/** The strategy's thresholds and routes from the settings: shared by `run`, `scan` and `simulate`. */
export function strategyFromConfig(deployment: Deployment, config: KeeperConfig): StrategyContext {
  return strategyContextFor(deployment, {
    minProfitUsd: config.minProfitUsd,
    priorityFeePerGas: config.priorityFeeWei,
    thresholdBps: BigInt(config.rebalanceThresholdBps),
    toleranceBps: config.rebalanceToleranceBps,
    maxTradeUsd: config.maxTradeUsd,
    orderFlowMaxAgainstUsd: config.orderFlowMaxAgainstUsd,
    feedMaxAgeS: config.feedMaxAgeS,
    maxFeedTwapDeviationBps: config.maxFeedTwapDeviationBps,
    v3Rebalance: config.watch.includes("uniswap-v3"),
  });
}

/** What the watcher reads, and from which block it discovers positions (START_BLOCK 0 = the deployment's). */
export function watcherOptionsFromConfig(
  deployment: Deployment,
  config: KeeperConfig,
  executor?: Address,
  discovery?: Pick<DiscoveryOptions, "store" | "onProgress">,
): WatcherOptions {
  const startBlock =
    config.startBlock === "earliest" ? 0n : config.startBlock === 0n ? deployment.startBlock : config.startBlock;
  return {
    watch: new Set(config.watch as WatchTarget[]),
    multicallChunk: config.multicallBatch,
    logChunkBlocks: config.logChunkBlocks,
    startBlock,
    executor,
    orderFlowWindowBlocks: config.orderFlowWindowBlocks,
    discovery: { ...discovery, concurrency: config.discoveryConcurrency, range: config.discoveryRangeBlocks },
  };
}
