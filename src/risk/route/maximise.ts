/**
 * Integer maximisation of a function that rises then falls, such as net liquidation profit against size:
 * price impact grows faster than the bonus, so past some size each extra unit loses money.
 */
import { RouteError } from "./errors.js";

/** Result of {@link maximiseConcave}. */
export interface MaximiseResult {
  /** Argument of the best value found (`hi` when f was undefined everywhere). */
  x: bigint;
  /** Best value found; undefined when f was undefined at every point tried. */
  value: bigint | undefined;
  /** Distinct points evaluated. */
  evaluations: number;
}

const absDiff = (x: bigint, y: bigint): bigint => (x > y ? x - y : y - x);

/** Grid depth: hi, hi/2, ..., hi/2^GRID_HALVINGS. */
const GRID_HALVINGS = 10n;

/**
 * Maximises `f` over the integers [lo, hi]: a coarse grid (hi, hi/2, ..., hi/1024 and lo) finds the bracket
 * around the best grid point, then golden-section search narrows it. `f` returning undefined means "not
 * feasible" and ranks below every value. The result is at least every point evaluated, grid included; for a
 * unimodal f it is the maximum up to the bracket width left after `iterations` narrowings (0.618 each). Ties go
 * to the larger argument: for a liquidation, the same profit for clearing more debt.
 *
 * @param f - Objective; pure, as it may be called on the same point once only (results are cached).
 * @param lo - Smallest argument (>= 0).
 * @param hi - Largest argument (>= lo).
 * @param options - Golden-section iterations (default 48).
 * @returns Best argument, its value and the number of evaluations.
 */
export function maximiseConcave(
  f: (x: bigint) => bigint | undefined,
  lo: bigint,
  hi: bigint,
  options: { iterations?: number; topShortcut?: boolean } = {},
): MaximiseResult {
  if (lo < 0n || hi < lo) throw new RouteError(`invalid range [${lo}, ${hi}]: need 0 <= lo <= hi`);
  const iterations = options.iterations ?? 48;
  const cache = new Map<bigint, bigint | undefined>();
  let best: { x: bigint; value: bigint | undefined } = { x: hi, value: undefined };
  const evaluate = (x: bigint): bigint | undefined => {
    if (cache.has(x)) return cache.get(x);
    const value = f(x);
    cache.set(x, value);
    if (
      value !== undefined &&
      (best.value === undefined || value > best.value || (value === best.value && x > best.x))
    ) {
      best = { x, value };
    }
    return value;
  };
  // undefined ranks lowest.
  const better = (a: bigint | undefined, b: bigint | undefined): boolean =>
    a !== undefined && (b === undefined || a > b);

  // Optional shortcut: f rising over the last 1/128 of the range means (for a concave f) that the peak lies in that
  // last stretch, where f is within a 128th of the range's slope of the top: take the top. In a cascade on deep pools
  // most positions are best liquidated in full, and this answers them in two evaluations instead of sixty.
  const near = hi - hi / 128n;
  if (options.topShortcut && near >= lo && near < hi) {
    const top = evaluate(hi);
    const below = evaluate(near);
    if (top !== undefined && (below === undefined || top >= below))
      return { x: hi, value: top, evaluations: cache.size };
  }

  const grid = new Set<bigint>([lo]);
  for (let k = 0n; k <= GRID_HALVINGS; k++) {
    const x = hi >> k;
    if (x >= lo) grid.add(x);
  }
  const points = [...grid].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let bestIndex = 0;
  points.forEach((x, i) => {
    if (better(evaluate(x), cache.get(points[bestIndex]))) bestIndex = i;
  });
  let a = points[Math.max(0, bestIndex - 1)];
  let b = points[Math.min(points.length - 1, bestIndex + 1)];

  // Symmetric interior points (c - a == b - d, so c < d for any width) keep one of them reusable per step.
  const interior = (a0: bigint, b0: bigint): [bigint, bigint] => {
    const t = ((b0 - a0) * 381_966n) / 1_000_000n;
    return [a0 + t, b0 - t];
  };
  let [c, d] = interior(a, b);
  for (let i = 0; i < iterations && b - a > 4n; i++) {
    if (better(evaluate(d), evaluate(c))) {
      a = c;
      c = d;
      d = a + b - c;
    } else {
      b = d;
      d = c;
      c = a + b - d;
    }
    // Reusing a point is exact only in real numbers: integer rounding drifts the ratio by phi each step, so
    // re-place both points once they stray (one extra evaluation).
    const [c0, d0] = interior(a, b);
    const slack = (b - a) / 64n + 1n;
    if (c >= d || absDiff(c, c0) > slack || absDiff(d, d0) > slack) [c, d] = [c0, d0];
  }
  if (b - a <= 4n) for (let x = a; x <= b; x++) evaluate(x);
  return { x: best.x, value: best.value, evaluations: cache.size };
}
