/**
 * Uniswap V2 arithmetic written out independently of src/risk, so executor tests check the contract against a
 * second implementation rather than against the code under test.
 */
export const v2Out = (x: bigint, rIn: bigint, rOut: bigint): bigint => (x * 997n * rOut) / (rIn * 1000n + x * 997n);

/** The pair's price (reserve1/reserve0, X112) after swapping `x` in. */
export function v2PriceAfter(r0: bigint, r1: bigint, zeroForOne: boolean, x: bigint): bigint {
  if (zeroForOne) return ((r1 - v2Out(x, r0, r1)) << 112n) / (r0 + x);
  return ((r1 + x) << 112n) / (r0 - v2Out(x, r1, r0));
}

/** Smallest input taking the pair's price (reserve1/reserve0, X112) to `target` or past it (bisection). */
export function v2InputToPrice(r0: bigint, r1: bigint, target: bigint): { zeroForOne: boolean; amountIn: bigint } {
  const zeroForOne = (r1 << 112n) / r0 > target;
  let lo = 0n;
  let hi = (zeroForOne ? r0 : r1) * 4n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const p = v2PriceAfter(r0, r1, zeroForOne, mid);
    if (zeroForOne ? p <= target : p >= target) hi = mid;
    else lo = mid;
  }
  return { zeroForOne, amountIn: hi };
}
