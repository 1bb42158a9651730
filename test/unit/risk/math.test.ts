import { describe, expect, it } from "vitest";
import {
  compareRational,
  deviationBps,
  isqrt,
  isqrtUp,
  MAX_UINT256,
  mulDiv,
  mulDivRoundingUp,
  percentDiv,
  percentDivCeil,
  percentMul,
  percentMulCeil,
  rational,
  rayDiv,
  rayMul,
  rayToWad,
  referencePriceFromUsd,
  RiskMathError,
  wadDiv,
  wadMul,
  wadToRay,
} from "../../../src/risk/index.js";
import { Prng } from "./prng.js";

const WAD = 10n ** 18n;
const RAY = 10n ** 27n;

describe("WadRayMath (half up)", () => {
  it("rounds wadMul half up", () => {
    expect(wadMul(3n * WAD, 2n * WAD)).toBe(6n * WAD);
    // 1 * 0.5e18 / 1e18 = 0.5 -> 1; 1 * (0.5e18 - 1) -> 0
    expect(wadMul(1n, 5n * 10n ** 17n)).toBe(1n);
    expect(wadMul(1n, 5n * 10n ** 17n - 1n)).toBe(0n);
  });

  it("rounds wadDiv half up", () => {
    expect(wadDiv(1n, 3n)).toBe(333333333333333333n); // 0.333.. down
    expect(wadDiv(2n, 3n)).toBe(666666666666666667n); // 0.666.. up
    expect(wadDiv(825_000_000_000n, 800_000_000_000n)).toBe(1_031_250_000_000_000_000n);
  });

  it("rounds ray operations half up and converts", () => {
    expect(rayMul(RAY + 1n, RAY / 2n)).toBe(RAY / 2n + 1n); // 0.5e27 + 0.5 -> up
    expect(rayDiv(1n, 3n)).toBe(333333333333333333333333333n);
    expect(rayToWad(1_500_000_000n)).toBe(2n); // 1.5 -> 2
    expect(rayToWad(1_499_999_999n)).toBe(1n);
    expect(wadToRay(5n)).toBe(5n * 10n ** 9n);
  });

  it("reverts where the assembly reverts", () => {
    expect(() => wadDiv(1n, 0n)).toThrow(RiskMathError);
    expect(() => wadMul(MAX_UINT256, 2n)).toThrow(RiskMathError);
    expect(() => rayDiv(MAX_UINT256, 1n)).toThrow(RiskMathError);
  });
});

describe("PercentageMath (half up)", () => {
  it("matches hand-computed values", () => {
    expect(percentMul(1n, 5_000n)).toBe(1n); // 0.5 -> 1
    expect(percentMul(1n, 4_999n)).toBe(0n);
    expect(percentMul(1_000_000_000n, 5_000n)).toBe(500_000_000n);
    expect(percentMul(3n, 5_000n)).toBe(2n); // 1.5 -> 2
    expect(percentDiv(262_500_000_000_000_000n, 10_500n)).toBe(250_000_000_000_000_000n);
    expect(percentDiv(1n, 20_000n)).toBe(1n); // 0.5 -> 1
    expect(percentDiv(1n, 20_001n)).toBe(0n);
    expect(percentMul(0n, 0n)).toBe(0n);
  });

  it("reverts on division by zero and overflow", () => {
    expect(() => percentDiv(1n, 0n)).toThrow(RiskMathError);
    expect(() => percentMul(MAX_UINT256, 10_000n)).toThrow(RiskMathError);
  });
});

describe("PercentageMath (rounded up, Aave v3.4+)", () => {
  it("rounds any remainder up, and only a remainder", () => {
    expect(percentMulCeil(1n, 1n)).toBe(1n); // 0.0001 -> 1
    expect(percentMulCeil(10_000n, 5n)).toBe(5n);
    expect(percentMulCeil(10_001n, 5n)).toBe(6n);
    expect(percentMulCeil(0n, 5n)).toBe(0n);
    expect(percentDivCeil(1n, 20_001n)).toBe(1n);
    expect(percentDivCeil(21n, 10_500n)).toBe(20n);
  });

  it("reverts on division by zero and overflow", () => {
    expect(() => percentDivCeil(1n, 0n)).toThrow(RiskMathError);
    expect(() => percentMulCeil(MAX_UINT256, 2n)).toThrow(RiskMathError);
  });
});

describe("FullMath", () => {
  it("floors and rounds up with full precision", () => {
    expect(mulDiv(7n, 3n, 2n)).toBe(10n);
    expect(mulDivRoundingUp(7n, 3n, 2n)).toBe(11n);
    expect(mulDivRoundingUp(6n, 3n, 2n)).toBe(9n);
    // Intermediate product is 2^512-ish: fine as long as the result fits.
    expect(mulDiv(MAX_UINT256, MAX_UINT256, MAX_UINT256)).toBe(MAX_UINT256);
  });

  it("reverts when the result does not fit or the denominator is zero", () => {
    expect(() => mulDiv(1n, 1n, 0n)).toThrow(RiskMathError);
    expect(() => mulDiv(MAX_UINT256, 2n, 1n)).toThrow(RiskMathError);
    // a * b = 2^257 - 1 (a Mersenne number's factors), so a * b / 2 floors to exactly 2^256 - 1
    // with a remainder: mulDiv fits, the rounding-up increment would overflow.
    const a = 618298780995040089266257453058982480847n;
    const b = 374550598501810936581776630096313181393n;
    expect(mulDiv(a, b, 2n)).toBe(MAX_UINT256);
    expect(() => mulDivRoundingUp(a, b, 2n)).toThrow(RiskMathError);
  });
});

describe("isqrt", () => {
  it("is exact on small values and perfect squares", () => {
    expect([0n, 1n, 2n, 3n, 4n, 8n, 9n, 15n, 16n].map(isqrt)).toEqual([0n, 1n, 1n, 1n, 2n, 2n, 3n, 3n, 4n]);
    expect(isqrt(10n ** 36n)).toBe(10n ** 18n);
    expect(isqrt(MAX_UINT256)).toBe((1n << 128n) - 1n);
    expect(isqrtUp(10n)).toBe(4n);
    expect(isqrtUp(9n)).toBe(3n);
    expect(() => isqrt(-1n)).toThrow(RiskMathError);
  });

  it("satisfies r^2 <= n < (r+1)^2 for random n (seed 1)", () => {
    const prng = new Prng(1);
    for (let i = 0; i < 2000; i++) {
      const n = prng.bigint(0n, 1n << BigInt(prng.int(1, 520)));
      const r = isqrt(n);
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
    }
  });
});

describe("rationals and reference prices", () => {
  it("reduces, compares and measures deviation", () => {
    expect(rational(6n, 4n)).toEqual({ num: 3n, den: 2n });
    expect(compareRational({ num: 1n, den: 3n }, { num: 2n, den: 6n })).toBe(0);
    expect(compareRational({ num: 1n, den: 3n }, { num: 1n, den: 2n })).toBe(-1);
    expect(deviationBps({ num: 101n, den: 100n }, { num: 1n, den: 1n })).toBe(100n);
    expect(deviationBps({ num: 99n, den: 100n }, { num: 1n, den: 1n })).toBe(-100n);
    // -0.5 bps truncates toward zero.
    expect(deviationBps({ num: 199_999n, den: 200_000n }, { num: 1n, den: 1n })).toBe(0n);
    expect(() => rational(1n, 0n)).toThrow(RiskMathError);
  });

  it("builds token1-per-token0 from USD feeds with 6/8/18 decimals", () => {
    // WETH (18) at $3000 in USDC (6) at $1: 3000e6 raw USDC per 1e18 raw WETH = 3 / 1e9.
    expect(
      referencePriceFromUsd({ price0Usd: 3000n * 10n ** 8n, decimals0: 18, price1Usd: 10n ** 8n, decimals1: 6 }),
    ).toEqual({
      num: 3n,
      den: 10n ** 9n,
    });
    // WBTC (8) at $60000 in WETH (18) at $3000: 20 WETH per WBTC = 20e18 / 1e8 = 2e11.
    expect(
      referencePriceFromUsd({
        price0Usd: 60_000n * 10n ** 8n,
        decimals0: 8,
        price1Usd: 3000n * 10n ** 8n,
        decimals1: 18,
      }),
    ).toEqual({
      num: 200_000_000_000n,
      den: 1n,
    });
    // Feeds with different decimals: $2 with 18 decimals vs $1 with 8 decimals.
    expect(
      referencePriceFromUsd({
        price0Usd: 2n * 10n ** 18n,
        feedDecimals0: 18,
        decimals0: 6,
        price1Usd: 10n ** 8n,
        decimals1: 6,
      }),
    ).toEqual({ num: 2n, den: 1n });
    expect(() => referencePriceFromUsd({ price0Usd: 0n, decimals0: 6, price1Usd: 1n, decimals1: 6 })).toThrow(
      RiskMathError,
    );
  });
});
