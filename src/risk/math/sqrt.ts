/**
 * Integer square root for bigint. Used where the closed-form optimum of a trade needs sqrt of a
 * number far beyond 2^53 (V2 optimal input, sqrtPriceX96 from a reference price).
 */
import { RiskMathError } from "../errors.js";

/**
 * floor(sqrt(n)) by Newton's method, exact for every non-negative bigint.
 *
 * @param n - Radicand (>= 0).
 * @returns The largest r with r * r <= n.
 */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RiskMathError(`isqrt of a negative number: ${n}`, "range");
  if (n < 2n) return n;
  // Start above the root (2^ceil(bits/2)) so the iteration decreases monotonically to the floor.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * ceil(sqrt(n)).
 *
 * @param n - Radicand (>= 0).
 * @returns The smallest r with r * r >= n.
 */
export function isqrtUp(n: bigint): bigint {
  const r = isqrt(n);
  return r * r === n ? r : r + 1n;
}
