/**
 * Test helpers for Uniswap V3: a pool state built from positions, the way the pool's storage
 * would look after minting them, and a reference TickBitmap built the contract's way.
 */
import { getSqrtRatioAtTick, getTickAtSqrtRatio, type V3PoolState, type V3Tick } from "../../../src/risk/index.js";

export interface TestPosition {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
}

/** Pool state with the given positions, at `sqrtPriceX96` (tick derived like the pool does). */
export function poolFromPositions(params: {
  sqrtPriceX96: bigint;
  fee: number;
  tickSpacing: number;
  positions: readonly TestPosition[];
}): V3PoolState {
  const net = new Map<number, bigint>();
  for (const p of params.positions) {
    net.set(p.tickLower, (net.get(p.tickLower) ?? 0n) + p.liquidity);
    net.set(p.tickUpper, (net.get(p.tickUpper) ?? 0n) - p.liquidity);
  }
  const tick = getTickAtSqrtRatio(params.sqrtPriceX96);
  const liquidity = params.positions
    .filter((p) => p.tickLower <= tick && tick < p.tickUpper)
    .reduce((sum, p) => sum + p.liquidity, 0n);
  const ticks: V3Tick[] = [...net.entries()]
    .filter(([, liquidityNet]) => liquidityNet !== 0n)
    .map(([t, liquidityNet]) => ({ tick: t, liquidityNet }))
    .sort((a, b) => a.tick - b.tick);
  return {
    sqrtPriceX96: params.sqrtPriceX96,
    tick,
    liquidity,
    fee: params.fee,
    tickSpacing: params.tickSpacing,
    ticks,
  };
}

/** Pool state at a tick's exact price. */
export function poolAtTick(
  tick: number,
  rest: Omit<Parameters<typeof poolFromPositions>[0], "sqrtPriceX96">,
): V3PoolState {
  return poolFromPositions({ ...rest, sqrtPriceX96: getSqrtRatioAtTick(tick) });
}

function msb(x: bigint): number {
  return x.toString(2).length - 1;
}

function lsb(x: bigint): number {
  return (x & -x).toString(2).length - 1;
}

/** TickBitmap.nextInitializedTickWithinOneWord over a real word->bitmap map. */
export function referenceNextTick(
  initialized: readonly number[],
  tick: number,
  tickSpacing: number,
  lte: boolean,
): { tickNext: number; initialized: boolean } {
  const words = new Map<number, bigint>();
  for (const t of initialized) {
    const c = t / tickSpacing;
    const wordPos = c >> 8;
    const bitPos = c & 0xff;
    words.set(wordPos, (words.get(wordPos) ?? 0n) | (1n << BigInt(bitPos)));
  }
  let compressed = Math.trunc(tick / tickSpacing);
  if (tick < 0 && tick % tickSpacing !== 0) compressed--;
  if (lte) {
    const wordPos = compressed >> 8;
    const bitPos = compressed & 0xff;
    const mask = (1n << BigInt(bitPos)) - 1n + (1n << BigInt(bitPos));
    const masked = (words.get(wordPos) ?? 0n) & mask;
    return masked !== 0n
      ? { tickNext: (compressed - (bitPos - msb(masked))) * tickSpacing, initialized: true }
      : { tickNext: (compressed - bitPos) * tickSpacing, initialized: false };
  }
  const wordPos = (compressed + 1) >> 8;
  const bitPos = (compressed + 1) & 0xff;
  const mask = ((1n << 256n) - 1n) ^ ((1n << BigInt(bitPos)) - 1n);
  const masked = (words.get(wordPos) ?? 0n) & mask;
  return masked !== 0n
    ? { tickNext: (compressed + 1 + (lsb(masked) - bitPos)) * tickSpacing, initialized: true }
    : { tickNext: (compressed + 1 + (255 - bitPos)) * tickSpacing, initialized: false };
}
