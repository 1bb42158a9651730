import { wrappedNativeToken, type Deployment } from "../chain/deployment.js";
import type { ProtocolModule } from "../protocols/module.js";
import { PROTOCOLS } from "../protocols/registry.js";
import type { StrategyContext } from "./types.js";

/** Gas of the executor's paths as measured on the real protocols (test/contracts), refined by simulation. */
export const MEASURED_GAS = {
  aaveV2Flash: 460_000n,
  aaveV2FlashBatchItem: 190_000n,
  aaveMorphoFlash: 475_000n,
  rebalanceV2Inventory: 150_000n,
  rebalanceV2V3Flash: 215_000n,
  morphoLiquidation: 210_000n,
  rebalanceV3Inventory: 180_000n,
};

/** 25 hours: the longest common Chainlink heartbeat (24 h, stablecoin feeds) and a margin. */
export const DEFAULT_FEED_MAX_AGE_S = 90_000n;
/** 25%: a feed that far from the pool's 30-minute TWAP is more likely broken than ahead of the market. */
export const DEFAULT_MAX_FEED_TWAP_DEVIATION_BPS = 2_500n;

/** The strategy context for a deployment: routes and contracts from every module's section, thresholds from the caller. */
export function strategyContextFor(
  deployment: Deployment,
  p: {
    minProfitUsd: bigint;
    priorityFeePerGas: bigint;
    thresholdBps: bigint;
    toleranceBps: number;
    maxTradeUsd?: bigint;
    /** ORDER_FLOW_MAX_AGAINST_USD (default 0: the flow is only noted). */
    orderFlowMaxAgainstUsd?: bigint;
    v3Rebalance?: boolean;
    /** Feed age bound for feeds without a heartbeat in the deployment (default {@link DEFAULT_FEED_MAX_AGE_S}). */
    feedMaxAgeS?: bigint;
    /** Default {@link DEFAULT_MAX_FEED_TWAP_DEVIATION_BPS}. */
    maxFeedTwapDeviationBps?: bigint;
  },
  protocols: readonly ProtocolModule<any>[] = PROTOCOLS,
): StrategyContext {
  const fromModules = Object.assign({}, ...protocols.map((m) => m.context(deployment))) as Partial<StrategyContext>;
  return {
    v2Pairs: [],
    v3Pools: [],
    ...fromModules,
    wethToken: wrappedNativeToken(deployment).address,
    minProfitUsd: p.minProfitUsd,
    priorityFeePerGas: p.priorityFeePerGas,
    rebalanceThresholdBps: p.thresholdBps,
    rebalanceToleranceBps: p.toleranceBps,
    maxTradeUsd: p.maxTradeUsd ?? 0n,
    orderFlowMaxAgainstUsd: p.orderFlowMaxAgainstUsd ?? 0n,
    feedMaxAgeS: {
      default: p.feedMaxAgeS ?? DEFAULT_FEED_MAX_AGE_S,
      byToken: Object.fromEntries(
        Object.entries(deployment.feedMaxAgeS ?? {})
          .filter(([symbol]) => deployment.tokens[symbol])
          .map(([symbol, s]) => [deployment.tokens[symbol].address, BigInt(s)]),
      ),
    },
    maxFeedTwapDeviationBps: p.maxFeedTwapDeviationBps ?? DEFAULT_MAX_FEED_TWAP_DEVIATION_BPS,
    v3Rebalance: p.v3Rebalance ?? true,
    gas: MEASURED_GAS,
  };
}
