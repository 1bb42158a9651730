/**
 * TickBitmap.nextInitializedTickWithinOneWord, answered from a sorted tick list instead of the
 * bitmap: the same next tick (initialized or a word boundary) the pool's swap loop steps to.
 */
import { RiskMathError } from "../errors.js";
import type { V3Tick } from "./types.js";

/** The pool's next step target from `nextInitializedTickWithinOneWord`. */
export interface NextTick {
  /** Tick to step to (not clamped to MIN/MAX_TICK; the swap loop does that). */
  tickNext: number;
  /** Whether it is an initialized tick (crossing it changes liquidity). */
  initialized: boolean;
  /** The initialized tick's liquidityNet, 0 otherwise. */
  liquidityNet: bigint;
}

/** Index of the first element with tick >= value (ticks sorted ascending). */
function lowerBound(ticks: readonly V3Tick[], value: number): number {
  let lo = 0;
  let hi = ticks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ticks[mid]!.tick < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Next initialized tick within the bitmap word of the current compressed tick, searching down
 * (`lte`, including the current one) or up (strictly above), else the word's edge.
 *
 * @param ticks - Initialized ticks, sorted ascending, multiples of `tickSpacing`.
 * @param tick - The pool's current tick.
 * @param tickSpacing - The pool's tick spacing.
 * @param lte - True when searching downwards (zeroForOne).
 * @returns Next tick, whether initialized, and its liquidityNet.
 */
export function nextInitializedTickWithinOneWord(
  ticks: readonly V3Tick[],
  tick: number,
  tickSpacing: number,
  lte: boolean,
): NextTick {
  // Round towards negative infinity, as the contract does for negative non-multiples.
  const compressed = Math.floor(tick / tickSpacing);
  if (lte) {
    const wordStart = Math.floor(compressed / 256) * 256;
    // Largest initialized t with wordStart <= t / spacing <= compressed.
    const i = lowerBound(ticks, (compressed + 1) * tickSpacing) - 1;
    const found = i >= 0 ? ticks[i]! : undefined;
    if (found && found.tick >= wordStart * tickSpacing) {
      return { tickNext: found.tick, initialized: true, liquidityNet: found.liquidityNet };
    }
    return { tickNext: wordStart * tickSpacing, initialized: false, liquidityNet: 0n };
  }
  const next = compressed + 1;
  const wordEnd = Math.floor(next / 256) * 256 + 255;
  // Smallest initialized t with next <= t / spacing <= wordEnd.
  const found = ticks[lowerBound(ticks, next * tickSpacing)];
  if (found && found.tick <= wordEnd * tickSpacing) {
    return { tickNext: found.tick, initialized: true, liquidityNet: found.liquidityNet };
  }
  return { tickNext: wordEnd * tickSpacing, initialized: false, liquidityNet: 0n };
}

/**
 * Throws unless the list is strictly ascending and every tick is a multiple of the spacing:
 * the two facts the word-by-word search relies on.
 *
 * @param ticks - Initialized ticks.
 * @param tickSpacing - Pool tick spacing (> 0).
 */
export function assertValidTicks(ticks: readonly V3Tick[], tickSpacing: number): void {
  if (!Number.isInteger(tickSpacing) || tickSpacing <= 0) {
    throw new RiskMathError(`invalid tick spacing ${tickSpacing}`, "range");
  }
  for (let i = 0; i < ticks.length; i++) {
    const t = ticks[i]!.tick;
    if (t % tickSpacing !== 0) throw new RiskMathError(`tick ${t} is not a multiple of ${tickSpacing}`, "range");
    if (i > 0 && ticks[i - 1]!.tick >= t) throw new RiskMathError("ticks must be sorted strictly ascending", "range");
  }
}
