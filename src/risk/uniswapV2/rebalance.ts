/**
 * Uniswap V2 rebalancing: which way a pair is skewed against a reference price, the exact
 * fee-aware input that moves it back, and what that trade earns at the reference price.
 *
 * Closed form (input x of the "in" token, fee 997/1000, target t = n/d "out per in"):
 *   reserveOut after = 1000·Ri·Ro / (1000·Ri + 997·x), so (Ro - out(x)) / (Ri + x) = t becomes
 *   997·n·x² + 1997·Ri·n·x + 1000·Ri·(Ri·n - Ro·d) = 0, whose positive root is
 *   x = (√(n·Ri·(9·Ri·n + 3988000·Ro·d)) - 1997·Ri·n) / (1994·n).
 * getAmountOut floors the output, so the integer input is then picked among candidates: the
 * neighbours of the root, and, because a coarse output token (6 decimals against 18) leaves long
 * runs of inputs with the same output, the best input within the runs of the nearby outputs.
 */
import { RiskMathError } from "../errors.js";
import { compareRational, deviationBps, invert, type Rational } from "../math/rational.js";
import { isqrt } from "../math/sqrt.js";
import { divRoundingUp } from "../math/uint.js";
import { v2GetAmountOut, v2MinAmountIn, v2SpotPrice, type V2DirectedReserves, type V2Reserves } from "./amounts.js";

/** Half-width, in wei, of the input window searched around a closed-form root. */
const INPUT_RADIUS = 8n;
/** Half-width of the output window whose input runs are searched. */
const OUTPUT_RADIUS = 2n;

/**
 * Skew of the pair's spot price (token1 per token0) against a reference, in bps, truncated
 * toward zero. Positive: token0 is dearer in the pool than the reference says.
 *
 * @param reserves - Pair reserves.
 * @param reference - Reference token1 per token0, raw units.
 * @returns Signed deviation in basis points.
 */
export function v2SkewBps(reserves: V2Reserves, reference: Rational): bigint {
  return deviationBps(v2SpotPrice(reserves), reference);
}

/** Inputs worth evaluating around `root`: its neighbours and, per nearby output, extra picks. */
function candidateInputs(
  root: bigint,
  r: V2DirectedReserves,
  pick: (lo: bigint, hi: bigint, y: bigint) => bigint[],
): bigint[] {
  const xs = new Set<bigint>();
  const from = root - INPUT_RADIUS > 1n ? root - INPUT_RADIUS : 1n;
  for (let x = from; x <= root + INPUT_RADIUS; x++) xs.add(x);
  const y0 = v2GetAmountOut(root > 1n ? root : 1n, r.reserveIn, r.reserveOut);
  for (let y = y0 - OUTPUT_RADIUS; y <= y0 + OUTPUT_RADIUS; y++) {
    if (y < 1n || y + 1n >= r.reserveOut) continue;
    // Every input in [lo, hi] yields exactly y.
    const lo = v2MinAmountIn(y, r.reserveIn, r.reserveOut);
    const hi = v2MinAmountIn(y + 1n, r.reserveIn, r.reserveOut) - 1n;
    if (lo <= hi) for (const x of pick(lo, hi, y)) if (x >= lo && x <= hi) xs.add(x);
  }
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The input that brings the price (reserveOut / reserveIn, i.e. out per in) as close to
 * `targetOutPerIn` as getAmountOut's flooring allows. Selling the "in" token only lowers that
 * price, so the function returns 0 when the price is already at or below the target.
 *
 * @param reserves - Directed reserves.
 * @param targetOutPerIn - Target price, out-token raw units per in-token raw unit (num > 0).
 * @returns Input amount (0 when no trade in this direction helps).
 */
export function v2InputToReachPrice(reserves: V2DirectedReserves, targetOutPerIn: Rational): bigint {
  const { reserveIn: ri, reserveOut: ro } = reserves;
  const { num: n, den: d } = targetOutPerIn;
  if (n <= 0n || d <= 0n) throw new RiskMathError("target price must be positive", "range");
  if (ro * d <= n * ri) return 0n;

  const root = (isqrt(n * ri * (9n * ri * n + 3_988_000n * ro * d)) - 1997n * ri * n) / (1994n * n);
  // Within a run of equal output y the price (Ro - y) / (Ri + x) meets t at x = (Ro - y)·d/n - Ri.
  const candidates = candidateInputs(root, reserves, (lo, hi, y) => {
    const exact = ((ro - y) * d) / n - ri;
    return [lo, hi, exact, exact + 1n];
  });

  let best = 0n;
  let bestDistance: Rational = { num: ro * d - n * ri, den: ri * d };
  for (const x of candidates) {
    const out = v2GetAmountOut(x, ri, ro);
    // The pair rejects a swap with zero output.
    if (out === 0n) continue;
    const signed = (ro - out) * d - n * (ri + x);
    const distance = { num: signed < 0n ? -signed : signed, den: (ri + x) * d };
    if (compareRational(distance, bestDistance) < 0) {
      best = x;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Value of a swap at a reference price: output minus the reference value of the input.
 *
 * @param params - Directed reserves, input amount, and reference out-per-in price.
 * @returns Output, profit in output units (input valued rounding up), and profit in input units
 *   when the output is sold back at the reference (output valued rounding down). Both may be < 0.
 */
export function v2ArbitrageProfit(params: {
  reserveIn: bigint;
  reserveOut: bigint;
  amountIn: bigint;
  referenceOutPerIn: Rational;
}): { amountOut: bigint; profitInOutputToken: bigint; profitInInputToken: bigint } {
  const { reserveIn, reserveOut, amountIn, referenceOutPerIn: ref } = params;
  if (ref.num <= 0n || ref.den <= 0n) throw new RiskMathError("reference price must be positive", "range");
  const amountOut = v2GetAmountOut(amountIn, reserveIn, reserveOut);
  return {
    amountOut,
    profitInOutputToken: amountOut - divRoundingUp(amountIn * ref.num, ref.den),
    profitInInputToken: (amountOut * ref.den) / ref.num - amountIn,
  };
}

/** A V2 trade towards the reference, oriented on the pair's tokens. */
export interface V2RebalanceTrade {
  /** True: token0 in, token1 out. */
  zeroForOne: boolean;
  amountIn: bigint;
  amountOut: bigint;
  /** Reserves once the swap is applied. */
  reservesAfter: V2Reserves;
  skewBpsBefore: bigint;
  skewBpsAfter: bigint;
  /** Gain at the reference price in output-token raw units (may be negative). */
  profit: bigint;
  /** Which token `profit` is denominated in (the output token). */
  profitToken: "token0" | "token1";
}

interface Orientation {
  zeroForOne: boolean;
  directed: V2DirectedReserves;
  /** Reference as out-token per in-token. */
  ref: Rational;
}

function orient(reserves: V2Reserves, reference: Rational): Orientation | null {
  const cmp = compareRational(v2SpotPrice(reserves), reference);
  if (cmp === 0) return null;
  // Token0 overpriced in the pool: sell token0 for token1, and vice versa.
  return cmp > 0
    ? { zeroForOne: true, directed: { reserveIn: reserves.reserve0, reserveOut: reserves.reserve1 }, ref: reference }
    : {
        zeroForOne: false,
        directed: { reserveIn: reserves.reserve1, reserveOut: reserves.reserve0 },
        ref: invert(reference),
      };
}

function buildTrade(reserves: V2Reserves, reference: Rational, o: Orientation, amountIn: bigint): V2RebalanceTrade {
  const { amountOut, profitInOutputToken } = v2ArbitrageProfit({ ...o.directed, amountIn, referenceOutPerIn: o.ref });
  const reservesAfter: V2Reserves = o.zeroForOne
    ? { reserve0: reserves.reserve0 + amountIn, reserve1: reserves.reserve1 - amountOut }
    : { reserve0: reserves.reserve0 - amountOut, reserve1: reserves.reserve1 + amountIn };
  return {
    zeroForOne: o.zeroForOne,
    amountIn,
    amountOut,
    reservesAfter,
    skewBpsBefore: v2SkewBps(reserves, reference),
    skewBpsAfter: v2SkewBps(reservesAfter, reference),
    profit: profitInOutputToken,
    profitToken: o.zeroForOne ? "token1" : "token0",
  };
}

/**
 * The trade that moves the pair's price to the reference (as close as integer amounts allow),
 * direction chosen from the sign of the skew.
 *
 * @param reserves - Pair reserves.
 * @param reference - Reference token1 per token0, raw units.
 * @returns The trade, or null when the pair already sits at the reference.
 */
export function v2RebalanceToReference(reserves: V2Reserves, reference: Rational): V2RebalanceTrade | null {
  const o = orient(reserves, reference);
  if (!o) return null;
  const amountIn = v2InputToReachPrice(o.directed, o.ref);
  return amountIn === 0n ? null : buildTrade(reserves, reference, o, amountIn);
}

/**
 * The trade that maximises profit at the reference price. It stops short of the reference, where
 * the marginal output after the 0.3% fee equals the reference price:
 * x = (√(997000·Ri·Ro·d / n) - 1000·Ri) / 997, then the best integer input among the root's
 * neighbours and the cheapest input of each nearby output.
 *
 * @param reserves - Pair reserves.
 * @param reference - Reference token1 per token0, raw units.
 * @returns The trade, or null when no trade is profitable.
 */
export function v2MaxProfitTrade(reserves: V2Reserves, reference: Rational): V2RebalanceTrade | null {
  const o = orient(reserves, reference);
  if (!o) return null;
  const { reserveIn: ri, reserveOut: ro } = o.directed;
  const { num: n, den: d } = o.ref;
  const root = (isqrt((997_000n * ri * ro * d) / n) - 1000n * ri) / 997n;
  if (root < 1n) return null;

  let best = 0n;
  let bestScaledProfit = 0n;
  // Within a run of equal output the cheapest input is the most profitable.
  for (const x of candidateInputs(root, o.directed, (lo) => [lo])) {
    // Scaled by d so that the comparison is exact: out·d - x·n.
    const scaled = v2GetAmountOut(x, ri, ro) * d - x * n;
    if (scaled > bestScaledProfit) {
      best = x;
      bestScaledProfit = scaled;
    }
  }
  return best === 0n ? null : buildTrade(reserves, reference, o, best);
}
