import type { TokenInfo } from "./types.js";

/** Integer square root (floor) of a non-negative bigint, by Newton's method. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("isqrt of a negative number");
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton from a float seed; a couple of steps fix the float's error, the loops settle the last unit.
  for (let i = 0; i < 4; i++) x = (x + n / x) >> 1n;
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** Raw amount of `token` worth `usd8` (USD, 8 decimals) at `price8` (USD per whole token, 8 decimals). */
export function amountForUsd(token: TokenInfo, usd8: bigint, price8: bigint): bigint {
  return (usd8 * 10n ** BigInt(token.decimals)) / price8;
}

/** USD value (8 decimals) of a raw amount of `token` at `price8`. */
export function usdValue(token: TokenInfo, amount: bigint, price8: bigint): bigint {
  return (amount * price8) / 10n ** BigInt(token.decimals);
}

/**
 * The reference price of token0 in token1, in raw units, as a rational: token1 raw per token0 raw.
 * From two USD feeds: p0/p1 * 10^(dec1 - dec0).
 */
export function referencePrice(
  token0: TokenInfo,
  price0: bigint,
  token1: TokenInfo,
  price1: bigint,
): { num: bigint; den: bigint } {
  return {
    num: price0 * 10n ** BigInt(token1.decimals),
    den: price1 * 10n ** BigInt(token0.decimals),
  };
}

/** sqrt(num/den) in Q64.96, floor: Uniswap V3's price format for a reference price. */
export function sqrtPriceX96(price: { num: bigint; den: bigint }): bigint {
  return isqrt((price.num << 192n) / price.den);
}
