/**
 * Uniswap V3 pool state shapes, named after `slot0()`, `liquidity()`, `fee()`, `tickSpacing()`
 * and `ticks(tick).liquidityNet` so on-chain reads map onto them directly.
 */

/** One initialized tick: where active liquidity changes. */
export interface V3Tick {
  /** Tick index, a multiple of the pool's tick spacing. */
  tick: number;
  /** `ticks(tick).liquidityNet`: liquidity added when the price crosses the tick upwards. */
  liquidityNet: bigint;
}

/** Everything a swap simulation reads from a pool. */
export interface V3PoolState {
  /** `slot0().sqrtPriceX96`. */
  sqrtPriceX96: bigint;
  /** `slot0().tick` (may be one below the tick of sqrtPriceX96 right after a downward cross). */
  tick: number;
  /** `liquidity()`: liquidity active at the current price. */
  liquidity: bigint;
  /** `fee()` in hundredths of a bip (3000 = 0.3%). */
  fee: number;
  /**
   * `tickSpacing()`. Needed because the pool steps at most one bitmap word (256 spacings) at a
   * time, and each step rounds on its own, so the step boundaries change the last wei.
   */
  tickSpacing: number;
  /**
   * Every initialized tick the swap may reach, sorted ascending. Ticks missing from the list are
   * treated as uninitialized, so a truncated list mis-prices swaps that cross them.
   */
  ticks: readonly V3Tick[];
}
