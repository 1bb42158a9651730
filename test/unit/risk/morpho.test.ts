import { describe, expect, it } from "vitest";
import {
  accrueMorphoInterest,
  MAX_UINT256,
  morphoIsHealthy,
  morphoLiquidationFromSeized,
  morphoLiquidationFromShares,
  morphoLiquidationIncentiveFactor,
  morphoMaxLiquidation,
  morphoPositionHealth,
  mulDivDown,
  mulDivUp,
  RiskMathError,
  toAssetsDown,
  toAssetsUp,
  toSharesDown,
  toSharesUp,
  wDivDown,
  wDivUp,
  wMulDown,
  wTaylorCompounded,
  type MorphoMarketState,
} from "../../../src/risk/index.js";
import { Prng } from "./prng.js";

const WAD = 10n ** 18n;
const ZERO = "0x0000000000000000000000000000000000000000" as const;
const IRM = "0x0000000000000000000000000000000000000123" as const;
/** 2000 USDC (6 dec) per WETH (18 dec), scaled 1e36: 2000e6 * 1e36 / 1e18. */
const PRICE_2000 = 2000n * 10n ** 24n;
const LLTV_86 = 86n * 10n ** 16n;

describe("MathLib", () => {
  it("rounds in the stated direction", () => {
    expect(wMulDown(3n, WAD / 2n)).toBe(1n); // 1.5 -> 1
    expect(wDivDown(1n, 3n * WAD)).toBe(0n);
    expect(wDivUp(1n, 3n * WAD)).toBe(1n);
    expect(mulDivDown(7n, 3n, 2n)).toBe(10n);
    expect(mulDivUp(7n, 3n, 2n)).toBe(11n);
    expect(mulDivUp(0n, 3n, 2n)).toBe(0n);
  });

  it("reverts on checked overflow and division by zero", () => {
    expect(() => mulDivDown(MAX_UINT256, 2n, 4n)).toThrow(RiskMathError);
    expect(() => mulDivUp(1n, 1n, 0n)).toThrow(RiskMathError);
  });

  it("computes the three-term Taylor expansion", () => {
    // x*n = 1: 1 + 1/2 + 1/6 = 1.666..., each term floored.
    expect(wTaylorCompounded(10n ** 17n, 10n)).toBe(1_666_666_666_666_666_666n);
    expect(wTaylorCompounded(0n, 1000n)).toBe(0n);
    expect(wTaylorCompounded(123n, 0n)).toBe(0n);
  });
});

describe("SharesMathLib", () => {
  it("uses 1e6 virtual shares and 1 virtual asset", () => {
    // Empty market: 1 asset = 1e6 shares.
    expect(toSharesDown(100n, 0n, 0n)).toBe(100_000_000n);
    expect(toAssetsUp(100_000_000n, 100n, 100_000_000n)).toBe(100n);
    // 1 share of a 1:1e6 market rounds down to 0 assets but up to 1.
    expect(toAssetsDown(1n, 100n, 100_000_000n)).toBe(0n);
    expect(toAssetsUp(1n, 100n, 100_000_000n)).toBe(1n);
  });

  it("round-trips with the inequalities the protocol relies on (seed 11)", () => {
    const prng = new Prng(11);
    for (let i = 0; i < 5000; i++) {
      const totalAssets = prng.chance(0.1) ? 0n : prng.logBigint(0, 30);
      const totalShares = prng.chance(0.1) ? 0n : totalAssets * prng.bigint(1n, 10n ** 6n) + prng.bigint(0n, 10n ** 6n);
      const assets = prng.logBigint(0, 28);
      const shares = prng.logBigint(0, 34);
      expect(
        toAssetsDown(toSharesDown(assets, totalAssets, totalShares), totalAssets, totalShares),
      ).toBeLessThanOrEqual(assets);
      expect(toAssetsUp(toSharesUp(assets, totalAssets, totalShares), totalAssets, totalShares)).toBeGreaterThanOrEqual(
        assets,
      );
      expect(
        toSharesDown(toAssetsDown(shares, totalAssets, totalShares), totalAssets, totalShares),
      ).toBeLessThanOrEqual(shares);
      expect(toSharesUp(toAssetsUp(shares, totalAssets, totalShares), totalAssets, totalShares)).toBeGreaterThanOrEqual(
        shares,
      );
      const down = toSharesDown(assets, totalAssets, totalShares);
      const up = toSharesUp(assets, totalAssets, totalShares);
      expect(up - down === 0n || up - down === 1n).toBe(true);
    }
  });
});

const market: MorphoMarketState = {
  totalSupplyAssets: 2_000n * 10n ** 6n,
  totalSupplyShares: 2_000n * 10n ** 12n,
  totalBorrowAssets: 1_000n * 10n ** 6n,
  totalBorrowShares: 1_000n * 10n ** 12n,
  lastUpdate: 1_700_000_000n,
  fee: 10n ** 17n,
};

describe("interest accrual", () => {
  it("accrues Taylor-compounded interest and mints fee shares (hand-computed)", () => {
    // ~10% APR per second, one day.
    const r = accrueMorphoInterest({
      market,
      irm: IRM,
      borrowRate: 3_170_979_198n,
      timestamp: market.lastUpdate + 86_400n,
    });
    // growth = 273972602707200 + 37531... = 274010136628159; interest = 1e9 * growth / 1e18
    expect(r.interest).toBe(274_010n);
    expect(r.market.totalBorrowAssets).toBe(1_000_274_010n);
    expect(r.market.totalSupplyAssets).toBe(2_000_274_010n);
    // fee = 27401 assets, priced at (2000e12 + 1e6) / (2000274010 - 27401 + 1)
    expect(r.feeShares).toBe(27_397_621_749n);
    expect(r.market.totalSupplyShares).toBe(market.totalSupplyShares + 27_397_621_749n);
    expect(r.market.lastUpdate).toBe(market.lastUpdate + 86_400n);
  });

  it("accrues nothing when the IRM is address(0), but moves lastUpdate", () => {
    const r = accrueMorphoInterest({
      market,
      irm: ZERO,
      borrowRate: 10n ** 18n,
      timestamp: market.lastUpdate + 1_000n,
    });
    expect(r.interest).toBe(0n);
    expect(r.market).toEqual({ ...market, lastUpdate: market.lastUpdate + 1_000n });
  });

  it("does nothing when no time elapsed, mints no fee shares without fee, rejects time travel", () => {
    expect(
      accrueMorphoInterest({ market, irm: IRM, borrowRate: 10n ** 18n, timestamp: market.lastUpdate }).market,
    ).toEqual(market);
    const noFee = accrueMorphoInterest({
      market: { ...market, fee: 0n },
      irm: IRM,
      borrowRate: 3_170_979_198n,
      timestamp: market.lastUpdate + 86_400n,
    });
    expect(noFee.feeShares).toBe(0n);
    expect(noFee.market.totalSupplyShares).toBe(market.totalSupplyShares);
    expect(() => accrueMorphoInterest({ market, irm: IRM, borrowRate: 0n, timestamp: market.lastUpdate - 1n })).toThrow(
      RiskMathError,
    );
  });
});

describe("health (_isHealthy)", () => {
  const totals = { totalBorrowAssets: 10_000n * 10n ** 6n, totalBorrowShares: 10_000n * 10n ** 12n };

  it("is healthy exactly at maxBorrow and unhealthy one share above", () => {
    // 1 WETH at 2000 USDC, LLTV 86% -> maxBorrow = 1720 USDC = 1720e12 shares.
    const at = {
      market: totals,
      collateralPrice: PRICE_2000,
      lltv: LLTV_86,
      position: { borrowShares: 1_720n * 10n ** 12n, collateral: WAD },
    };
    const h = morphoPositionHealth(at);
    expect(h.maxBorrow).toBe(1_720_000_000n);
    expect(h.borrowed).toBe(1_720_000_000n);
    expect(h.healthFactor).toBe(WAD);
    expect(morphoIsHealthy(at)).toBe(true);
    const above = { ...at, position: { ...at.position, borrowShares: at.position.borrowShares + 1n } };
    // One more share rounds the debt up by a whole micro-USDC.
    expect(morphoPositionHealth(above).borrowed).toBe(1_720_000_001n);
    expect(morphoIsHealthy(above)).toBe(false);
    expect(morphoPositionHealth(above).healthFactor).toBeLessThan(WAD);
  });

  it("is healthy without debt, even without collateral", () => {
    const p = {
      market: totals,
      collateralPrice: PRICE_2000,
      lltv: LLTV_86,
      position: { borrowShares: 0n, collateral: 0n },
    };
    expect(morphoIsHealthy(p)).toBe(true);
    expect(morphoPositionHealth(p).healthFactor).toBe(MAX_UINT256);
  });
});

describe("liquidation incentive and sizing (liquidate)", () => {
  it("computes the incentive factor, capped at 1.15", () => {
    // 1 / (1 - 0.3 * 0.14) = 1 / 0.958, floored.
    expect(morphoLiquidationIncentiveFactor(LLTV_86)).toBe(1_043_841_336_116_910_229n);
    expect(morphoLiquidationIncentiveFactor(945n * 10n ** 15n)).toBe(1_016_776_817_488_561_260n);
    expect(morphoLiquidationIncentiveFactor(5n * 10n ** 17n)).toBe(115n * 10n ** 16n);
    expect(morphoLiquidationIncentiveFactor(0n)).toBe(115n * 10n ** 16n);
    expect(() => morphoLiquidationIncentiveFactor(WAD)).toThrow(RiskMathError);
  });

  it("sizes a seizedAssets liquidation with the contract's roundings (hand-computed)", () => {
    const r = morphoLiquidationFromSeized({
      market,
      collateralPrice: PRICE_2000,
      lltv: LLTV_86,
      seizedAssets: 10n ** 17n,
    });
    // quoted = 0.1 WETH * 2000 = 200e6; wDivUp by 1.0438... = 191600000.00..x -> 191600001 (LIF was floored)
    // shares = ceil(191600001 * (1000e12 + 1e6) / (1000e6 + 1)) = 191600001e6; assets = 191600001.
    expect(r.repaidShares).toBe(191_600_001_000_000n);
    expect(r.repaidAssets).toBe(191_600_001n);
  });

  it("sizes a repaidShares liquidation rounding the collateral down", () => {
    const r = morphoLiquidationFromShares({
      market,
      collateralPrice: PRICE_2000,
      lltv: LLTV_86,
      repaidShares: 191_600_001_000_000n,
    });
    // assets down = 191600001; * LIF = 200000000.0x -> 200000000 USDC; / 2000 = 0.1 WETH + a few wei
    expect(r.repaidAssets).toBe(191_600_001n);
    expect(r.seizedAssets).toBe(mulDivDown(wMulDown(191_600_001n, 1_043_841_336_116_910_229n), 10n ** 36n, PRICE_2000));
    expect(r.seizedAssets).toBeGreaterThanOrEqual(10n ** 17n);
  });

  it("specifying shares never seizes less than the seized-mode quote (seed 5)", () => {
    const prng = new Prng(5);
    for (let i = 0; i < 3000; i++) {
      const totalBorrowAssets = prng.logBigint(3, 27);
      const m = { totalBorrowAssets, totalBorrowShares: totalBorrowAssets * prng.bigint(10n ** 5n, 10n ** 6n) };
      const ctx = { market: m, collateralPrice: prng.logBigint(20, 40), lltv: prng.bigint(0n, WAD - 1n) };
      const seizedAssets = prng.logBigint(0, 24);
      const a = morphoLiquidationFromSeized({ ...ctx, seizedAssets });
      const b = morphoLiquidationFromShares({ ...ctx, repaidShares: a.repaidShares });
      expect(b.seizedAssets).toBeGreaterThanOrEqual(seizedAssets);
      expect(b.repaidAssets).toBe(a.repaidAssets);
      expect(a.repaidShares).toBeGreaterThan(0n);
    }
  });
});

describe("morphoMaxLiquidation", () => {
  const totals = { totalBorrowAssets: 10_000n * 10n ** 6n, totalBorrowShares: 10_000n * 10n ** 12n };

  it("returns null for healthy or empty positions", () => {
    const base = { market: totals, collateralPrice: PRICE_2000, lltv: LLTV_86 };
    expect(
      morphoMaxLiquidation({ ...base, position: { borrowShares: 1_000n * 10n ** 12n, collateral: WAD } }),
    ).toBeNull();
    expect(morphoMaxLiquidation({ ...base, position: { borrowShares: 0n, collateral: WAD } })).toBeNull();
  });

  it("repays every share when the collateral covers debt plus incentive", () => {
    const position = { borrowShares: 1_720n * 10n ** 12n + 1n, collateral: WAD };
    const r = morphoMaxLiquidation({ market: totals, collateralPrice: PRICE_2000, lltv: LLTV_86, position })!;
    expect(r.repaysAllShares).toBe(true);
    expect(r.args).toEqual({ seizedAssets: 0n, repaidShares: position.borrowShares });
    expect(r.repaidAssets).toBe(1_720_000_001n);
    // 1720 USDC * 1.0438... = 1795.40 USDC of WETH at 2000.
    expect(r.seizedAssets).toBe(
      mulDivDown(wMulDown(1_720_000_000n, 1_043_841_336_116_910_229n), 10n ** 36n, PRICE_2000),
    );
    expect(r.seizesAllCollateral).toBe(false);
    expect(r.badDebtShares).toBe(0n);
    expect(r.profitLoanAssets).toBeGreaterThan(70n * 10n ** 6n);
  });

  it("seizes all collateral of an underwater position and reports the bad debt", () => {
    const position = { borrowShares: 1_720n * 10n ** 12n, collateral: WAD };
    const price1000 = PRICE_2000 / 2n;
    const r = morphoMaxLiquidation({ market: totals, collateralPrice: price1000, lltv: LLTV_86, position })!;
    expect(r.seizesAllCollateral).toBe(true);
    expect(r.args).toEqual({ seizedAssets: WAD, repaidShares: 0n });
    // 1000 USDC / 1.0438.. = 958.00000x -> 958000001 assets (rounded up).
    expect(r.repaidAssets).toBe(958_000_001n);
    expect(r.badDebtShares).toBe(position.borrowShares - r.repaidShares);
    expect(r.badDebtAssets).toBe(1_720_000_000n - 958_000_001n);
  });

  it("finds the largest valid seizure on random positions (seed 9)", () => {
    const prng = new Prng(9);
    let checked = 0;
    for (let i = 0; i < 1500; i++) {
      const totalBorrowAssets = prng.logBigint(6, 24);
      const m = {
        totalBorrowAssets,
        totalBorrowShares: totalBorrowAssets * 10n ** 6n - prng.bigint(0n, totalBorrowAssets),
      };
      const lltv = prng.bigint(5n * 10n ** 17n, 98n * 10n ** 16n);
      const collateral = prng.logBigint(0, 24);
      const collateralPrice = prng.logBigint(20, 40);
      const capacity = wMulDown(mulDivDown(collateral, collateralPrice, 10n ** 36n), lltv);
      // Debt between 90% and 200% of capacity, capped by the market's total.
      const debt = (capacity * prng.bigint(90n, 200n)) / 100n + 1n;
      const borrowShares = toSharesUp(
        debt < totalBorrowAssets ? debt : totalBorrowAssets,
        m.totalBorrowAssets,
        m.totalBorrowShares,
      );
      if (borrowShares > m.totalBorrowShares) continue;
      const ctx = { market: m, collateralPrice, lltv };
      const position = { borrowShares, collateral };
      const r = morphoMaxLiquidation({ ...ctx, position });
      if (morphoIsHealthy({ ...ctx, position })) {
        expect(r).toBeNull();
        continue;
      }
      if (r === null) continue; // a seizure of 0 is all the position allows
      checked++;
      expect(r.seizedAssets).toBeLessThanOrEqual(collateral);
      expect(r.repaidShares).toBeLessThanOrEqual(borrowShares);
      expect((r.args.seizedAssets === 0n) !== (r.args.repaidShares === 0n)).toBe(true);
      const replay =
        r.args.seizedAssets > 0n
          ? morphoLiquidationFromSeized({ ...ctx, seizedAssets: r.args.seizedAssets })
          : morphoLiquidationFromShares({ ...ctx, repaidShares: r.args.repaidShares });
      expect(replay).toEqual({
        seizedAssets: r.seizedAssets,
        repaidShares: r.repaidShares,
        repaidAssets: r.repaidAssets,
      });
      // Maximal: one more wei of collateral either does not exist or needs too many shares.
      if (r.seizedAssets < collateral) {
        expect(morphoLiquidationFromSeized({ ...ctx, seizedAssets: r.seizedAssets + 1n }).repaidShares).toBeGreaterThan(
          borrowShares,
        );
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
