import { describe, expect, it } from "vitest";
import {
  aaveDebtToCoverToSend,
  aaveLiquidationAmounts,
  morphoLiquidationFromSeized,
  morphoMaxLiquidation,
  type AaveReserveView,
} from "../../../../src/risk/index.js";
import {
  bestRoute,
  flashFee,
  maximiseConcave,
  sizeAaveLiquidation,
  sizeMorphoLiquidation,
  type AaveSizingParams,
  type Venue,
} from "../../../../src/risk/route/index.js";
import { Prng } from "../prng.js";
import { USDC, v2, WETH } from "./fixtures.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;

const gridOf = (lo: bigint, hi: bigint): bigint[] => [
  lo,
  ...Array.from({ length: 11 }, (_, k) => hi >> BigInt(k)).filter((x) => x >= lo),
];

describe("maximiseConcave", () => {
  it("finds the exact peak of integer parabolas and is never below a grid point", () => {
    const prng = new Prng(0x51e);
    for (let i = 0; i < 200; i++) {
      const hi = prng.logBigint(0, 24);
      const peak = prng.bigint(1n, hi);
      const f = (x: bigint) => -((x - peak) * (x - peak));
      const r = maximiseConcave(f, 1n, hi, { iterations: 200 });
      expect(r.x, `peak ${peak} hi ${hi}`).toBe(peak);
      const coarse = maximiseConcave(f, 1n, hi);
      for (const g of gridOf(1n, hi)) expect(coarse.value!).toBeGreaterThanOrEqual(f(g));
      expect(coarse.evaluations).toBeLessThan(120);
    }
  });

  it("treats undefined as infeasible and reports when nothing is feasible", () => {
    const capped = maximiseConcave((x) => (x > 700n ? undefined : x), 1n, 1000n);
    expect(capped).toMatchObject({ x: 700n, value: 700n });
    expect(maximiseConcave(() => undefined, 1n, 10n).value).toBeUndefined();
  });
});

describe("flashFee", () => {
  it("matches each lender's rule", () => {
    const prng = new Prng(0xf1a5);
    for (let i = 0; i < 200; i++) {
      const a = prng.logBigint(0, 25);
      expect(flashFee({ kind: "free" }, a)).toBe(0n);
      // Aave v3.6 rounds the premium up (percentMulCeil).
      expect(flashFee({ kind: "aave" }, a)).toBe((a * 5n + 9_999n) / 10_000n);
      expect(flashFee({ kind: "aave", premiumBps: 9n }, a)).toBe((a * 9n + 9_999n) / 10_000n);
      const v2Fee = flashFee({ kind: "v2" }, a);
      // The smallest repayment passing the pair's K check for a same-token flash swap.
      expect(997n * (a + v2Fee)).toBeGreaterThanOrEqual(1000n * a);
      expect(997n * (a + v2Fee - 1n)).toBeLessThan(1000n * a);
      expect(flashFee({ kind: "v3", fee: 3000 }, a)).toBe((a * 3000n + 999_999n) / 1_000_000n);
    }
  });
});

const wethReserve: AaveReserveView = {
  asset: WETH,
  decimals: 18,
  priceBase: 2000n * 10n ** 8n,
  liquidationBonus: 10_500n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 8_250n,
  ltv: 8_000n,
};
const usdcReserve: AaveReserveView = {
  asset: USDC,
  decimals: 6,
  priceBase: 10n ** 8n,
  liquidationBonus: 10_450n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 8_700n,
  ltv: 8_600n,
};
/** 100 WETH against 190,000 USDC at HF 0.9: a full close is allowed. */
const underwater: AaveSizingParams["liquidation"] = {
  debtReserve: usdcReserve,
  collateralReserve: wethReserve,
  variableDebt: 190_000n * E6,
  stableDebt: 0n,
  userCollateralBalance: 100n * E18,
  healthFactor: 9n * 10n ** 17n,
};
/** Net profit of one size, computed independently of the sizer. */
function aaveProfit(venues: Venue[], debtToCover: bigint, gas = 0n): bigint | undefined {
  const a = aaveLiquidationAmounts({ ...underwater, debtToCover });
  const r = bestRoute(venues, WETH, USDC, a.collateralSeized);
  if (r.unrouted > 0n) return undefined;
  return r.amountOut - a.debtToRepay - flashFee({ kind: "aave" }, a.debtToRepay) - gas;
}

describe("sizeAaveLiquidation", () => {
  it("thin pool: full size loses to price impact, a partial size nets a profit at least every grid point's", () => {
    const venues = [v2(WETH, 200n * E18, USDC, 400_000n * E6)];
    const s = sizeAaveLiquidation({ liquidation: underwater, venues })!;
    expect(s.maxDebtToCover).toBe(190_000n * E6);
    expect(s.fullSizeProfitDebtUnits!).toBeLessThan(0n);
    expect(s.profitDebtUnits).toBeGreaterThan(0n);
    expect(s.debtToCover).toBeLessThan(s.maxDebtToCover);
    expect(s.profitDebtUnits).toBe(aaveProfit(venues, s.debtToCover));
    expect(s.route.amountOut - s.repaid - s.flashFee).toBe(s.profitDebtUnits);
    for (const g of gridOf(1n, s.maxDebtToCover))
      expect(s.profitDebtUnits).toBeGreaterThanOrEqual(aaveProfit(venues, g) ?? -(1n << 200n));
    // A fine scan finds nothing better than a cent more.
    for (let k = 1n; k <= 200n; k++) {
      expect(s.profitDebtUnits + 10_000n).toBeGreaterThanOrEqual(aaveProfit(venues, (s.maxDebtToCover * k) / 200n)!);
    }
    if (process.env.ROUTE_VERBOSE)
      console.log({
        debtToCover: s.debtToCover,
        profit: s.profitDebtUnits,
        full: s.fullSizeProfitDebtUnits,
        evals: s.evaluations,
      });
  });

  it("deep pool: the full size is optimal", () => {
    const venues = [v2(WETH, 1_000_000n * E18, USDC, 2_000_000_000n * E6)];
    const s = sizeAaveLiquidation({ liquidation: underwater, venues })!;
    expect(s.repaid).toBe(s.maxDebtToCover);
    // The full close is borrowed and offered with its margin for interest (the pool caps it, the rest goes back).
    expect(s.debtToCover).toBe(aaveDebtToCoverToSend(s.amounts));
    expect(s.debtToCover).toBeGreaterThan(s.repaid);
    expect(s.flashFee).toBe(flashFee({ kind: "aave" }, s.debtToCover));
    expect(s.profitDebtUnits).toBe(s.fullSizeProfitDebtUnits);
    expect(s.profitDebtUnits).toBeGreaterThan(0n);
  });

  it("gas is a constant cost: same size, profit lower by the gas; splitting across pools raises the profit", () => {
    const thin = v2(WETH, 200n * E18, USDC, 400_000n * E6);
    const base = sizeAaveLiquidation({ liquidation: underwater, venues: [thin] })!;
    const gas = base.profitDebtUnits + 1n;
    const withGas = sizeAaveLiquidation({ liquidation: underwater, venues: [thin], gasCostInDebtUnits: gas })!;
    expect(withGas.debtToCover).toBe(base.debtToCover);
    expect(withGas.profitDebtUnits).toBe(-1n);
    const two = sizeAaveLiquidation({
      liquidation: underwater,
      venues: [thin, v2(WETH, 200n * E18, USDC, 400_000n * E6)],
    })!;
    expect(two.profitDebtUnits).toBeGreaterThan(base.profitDebtUnits);
    expect(two.debtToCover).toBeGreaterThan(base.debtToCover);
    expect(two.route.legs).toHaveLength(2);
    expect(sizeAaveLiquidation({ liquidation: underwater, venues: [] })).toBeNull();
  });
});

describe("sizeMorphoLiquidation", () => {
  const context = {
    market: { totalBorrowAssets: 10_000_000n * E6, totalBorrowShares: 10_000_000n * 10n ** 12n },
    collateralPrice: 2000n * 10n ** 24n,
    lltv: 86n * 10n ** 16n,
  };
  const position = { collateral: 100n * E18, borrowShares: 180_000n * 10n ** 12n };

  it("thin pool: a partial seize is found with positive profit; a deep pool takes the maximum", () => {
    const max = morphoMaxLiquidation({ ...context, position })!;
    const common = {
      context,
      maxSeizedAssets: max.seizedAssets,
      borrowShares: position.borrowShares,
      collateralToken: WETH,
      loanToken: USDC,
    };
    const thin = [v2(WETH, 200n * E18, USDC, 400_000n * E6)];
    const s = sizeMorphoLiquidation({ ...common, venues: thin })!;
    expect(s.fullSizeProfitDebtUnits!).toBeLessThan(0n);
    expect(s.profitDebtUnits).toBeGreaterThan(0n);
    expect(s.seizedAssets).toBeLessThan(max.seizedAssets);
    expect(s.flashFee).toBe(0n);
    const a = morphoLiquidationFromSeized({ ...context, seizedAssets: s.seizedAssets });
    expect(s.amounts).toEqual(a);
    expect(s.profitDebtUnits).toBe(bestRoute(thin, WETH, USDC, s.seizedAssets).amountOut - a.repaidAssets);
    for (const g of gridOf(1n, max.seizedAssets)) {
      const p =
        bestRoute(thin, WETH, USDC, g).amountOut -
        morphoLiquidationFromSeized({ ...context, seizedAssets: g }).repaidAssets;
      expect(s.profitDebtUnits).toBeGreaterThanOrEqual(p);
    }
    const deep = sizeMorphoLiquidation({ ...common, venues: [v2(WETH, 1_000_000n * E18, USDC, 2_000_000_000n * E6)] })!;
    expect(deep.seizedAssets).toBe(max.seizedAssets);
    expect(deep.profitDebtUnits).toBeGreaterThan(0n);
  });
});
