import type { Deployment } from "../chain/deployment.js";
import type { StrategyContext } from "./types.js";

/** Gas of the executor's paths as measured on the real protocols (test/contracts), refined by simulation. */
export const MEASURED_GAS = { aaveV2Flash: 460_000n, aaveV2FlashBatchItem: 190_000n, aaveMorphoFlash: 475_000n, rebalanceV2Inventory: 150_000n, rebalanceV2V3Flash: 215_000n, morphoLiquidation: 210_000n, rebalanceV3Inventory: 180_000n };

/** The strategy context for a world: every V2 pair and V3 pool it has, thresholds from the caller. */
export function strategyContextFor(
  world: Deployment,
  p: { minProfitUsd: bigint; priorityFeePerGas: bigint; thresholdBps: bigint; toleranceBps: number; maxTradeUsd?: bigint; v3Rebalance?: boolean },
): StrategyContext {
  return {
    v2Pairs: Object.entries(world.uniswapV2.pairs).map(([name, v]) => ({ name, ...v })),
    v3Pools: Object.values(world.uniswapV3.pools),
    aavePool: world.aave.pool,
    morpho: world.morpho?.morpho,
    wethToken: world.tokens.WETH.address,
    minProfitUsd: p.minProfitUsd,
    priorityFeePerGas: p.priorityFeePerGas,
    rebalanceThresholdBps: p.thresholdBps,
    rebalanceToleranceBps: p.toleranceBps,
    maxTradeUsd: p.maxTradeUsd ?? 0n,
    v3Rebalance: p.v3Rebalance ?? true,
    gas: MEASURED_GAS,
  };
}
