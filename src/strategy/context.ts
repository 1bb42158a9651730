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

/** The strategy context for a deployment: routes and contracts from every module's section, thresholds from the caller. */
export function strategyContextFor(
  deployment: Deployment,
  p: {
    minProfitUsd: bigint;
    priorityFeePerGas: bigint;
    thresholdBps: bigint;
    toleranceBps: number;
    maxTradeUsd?: bigint;
    v3Rebalance?: boolean;
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
    v3Rebalance: p.v3Rebalance ?? true,
    gas: MEASURED_GAS,
  };
}
