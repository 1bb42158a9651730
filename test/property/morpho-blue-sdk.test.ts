/**
 * Cross-check of our Morpho Blue math (src/risk/morpho) against Morpho's own TypeScript SDK,
 * @morpho-org/blue-sdk (MathLib from @morpho-org/morpho-ts, SharesMath, MarketUtils), on many random inputs.
 * Both claim to reproduce MathLib.sol / SharesMathLib.sol / Morpho.liquidate to the wei, so every comparison is
 * exact. Inputs stay inside uint256 (our functions revert like checked Solidity on overflow; the SDK's unbounded
 * bigints do not, which is the one documented difference and not compared here).
 */
import { describe, expect, it } from "vitest";
import { MarketUtils, MathLib, SharesMath } from "@morpho-org/blue-sdk";
import {
  LIQUIDATION_CURSOR,
  MAX_LIQUIDATION_INCENTIVE_FACTOR,
  ORACLE_PRICE_SCALE,
  accrueMorphoInterest,
  morphoLiquidationFromSeized,
  morphoLiquidationFromShares,
  morphoLiquidationIncentiveFactor,
  morphoMaxLiquidation,
  morphoPositionHealth,
  mulDivDown,
  mulDivUp,
  toAssetsDown,
  toAssetsUp,
  toSharesDown,
  toSharesUp,
  wDivDown,
  wDivUp,
  wMulDown,
  wTaylorCompounded,
  zeroFloorSub,
  type MorphoMarketState,
} from "../../src/risk/index.js";
import { Prng } from "../unit/risk/prng.js";

const SEED = 0xb1e5d;
const RUNS = 4_000;
const WAD = 10n ** 18n;
const IRM = "0x00000000000000000000000000000000000001e1" as const;
/** The LLTVs Morpho governance enabled on mainnet, plus random ones below. */
const ENABLED_LLTVS = [0n, 385n, 625n, 770n, 860n, 915n, 945n, 965n, 980n].map((x) => x * 10n ** 15n);

/** A borrow side: totalShares = totalAssets * 1e6 * drift, drift 1e-6 .. 3 (interest raises the share price, bad debt lowers it). */
function randomBorrowTotals(prng: Prng): { totalBorrowAssets: bigint; totalBorrowShares: bigint } {
  const totalBorrowAssets = prng.chance(0.05) ? 0n : prng.logBigint(0, 27);
  const driftPpm = prng.bigint(1n, 3_000_000n);
  const totalBorrowShares = prng.chance(0.05) ? 0n : (totalBorrowAssets * 1_000_000n * driftPpm) / 1_000_000n;
  return { totalBorrowAssets, totalBorrowShares };
}

/** Oracle price: loan units per collateral unit * 1e36, across decimals gaps of about -24 .. +12. */
const randomPrice = (prng: Prng) => 1n + prng.logBigint(12, 47);

describe("our Morpho math vs @morpho-org/blue-sdk", () => {
  it(`MathLib: mulDivDown/Up, wMulDown, wDivDown/Up, wTaylorCompounded, zeroFloorSub (${RUNS} random inputs each)`, () => {
    const prng = new Prng(SEED);
    for (let i = 0; i < RUNS; i++) {
      const x = prng.chance(0.1) ? 0n : prng.logBigint(0, 37);
      const y = prng.chance(0.1) ? 0n : prng.logBigint(0, 37);
      const d = prng.logBigint(0, 37);
      const ctx = `x=${x} y=${y} d=${d}`;
      expect(mulDivDown(x, y, d), ctx).toBe(MathLib.mulDivDown(x, y, d));
      expect(mulDivUp(x, y, d), ctx).toBe(MathLib.mulDivUp(x, y, d));
      expect(wMulDown(x, y), ctx).toBe(MathLib.wMulDown(x, y));
      expect(wDivDown(x, d), ctx).toBe(MathLib.wDivDown(x, d));
      expect(wDivUp(x, d), ctx).toBe(MathLib.wDivUp(x, d));
      expect(zeroFloorSub(x, y), ctx).toBe(MathLib.zeroFloorSub(x, y));
      // Per-second rates up to ~1000% APR, over up to ~10 years.
      const rate = prng.chance(0.05) ? 0n : prng.logBigint(0, 11);
      const elapsed = BigInt(prng.int(0, 315_360_000));
      expect(wTaylorCompounded(rate, elapsed), `rate=${rate} n=${elapsed}`).toBe(
        MathLib.wTaylorCompounded(rate, elapsed),
      );
    }
  });

  it(`SharesMathLib: toSharesDown/Up, toAssetsDown/Up (${RUNS} random inputs each)`, () => {
    const prng = new Prng(SEED + 1);
    for (let i = 0; i < RUNS; i++) {
      const { totalBorrowAssets: ta, totalBorrowShares: ts } = randomBorrowTotals(prng);
      const assets = prng.chance(0.05) ? 0n : prng.logBigint(0, 30);
      const shares = prng.chance(0.05) ? 0n : prng.logBigint(0, 36);
      const ctx = `assets=${assets} shares=${shares} totalAssets=${ta} totalShares=${ts}`;
      expect(toSharesDown(assets, ta, ts), ctx).toBe(SharesMath.toShares(assets, ta, ts, "Down"));
      expect(toSharesUp(assets, ta, ts), ctx).toBe(SharesMath.toShares(assets, ta, ts, "Up"));
      expect(toAssetsDown(shares, ta, ts), ctx).toBe(SharesMath.toAssets(shares, ta, ts, "Down"));
      expect(toAssetsUp(shares, ta, ts), ctx).toBe(SharesMath.toAssets(shares, ta, ts, "Up"));
    }
  });

  it("liquidation incentive factor: every enabled LLTV and random ones", () => {
    const prng = new Prng(SEED + 2);
    expect(LIQUIDATION_CURSOR).toBe(300_000_000_000_000_000n);
    expect(MAX_LIQUIDATION_INCENTIVE_FACTOR).toBe(1_150_000_000_000_000_000n);
    expect(ORACLE_PRICE_SCALE).toBe(10n ** 36n);
    const lltvs = [...ENABLED_LLTVS, ...Array.from({ length: RUNS }, () => prng.bigint(0n, WAD - 1n))];
    for (const lltv of lltvs) {
      expect(morphoLiquidationIncentiveFactor(lltv), `lltv=${lltv}`).toBe(
        MarketUtils.getLiquidationIncentiveFactor({ lltv }),
      );
    }
  });

  it(`liquidate sizing, health and seizable collateral (${RUNS} random markets and positions)`, () => {
    const prng = new Prng(SEED + 3);
    let unhealthy = 0;
    let repaysAll = 0;
    for (let i = 0; i < RUNS; i++) {
      const totals = randomBorrowTotals(prng);
      const lltv = prng.chance(0.5)
        ? ENABLED_LLTVS[prng.int(1, ENABLED_LLTVS.length - 1)]
        : prng.bigint(WAD / 100n, WAD - 1n);
      const price = randomPrice(prng);
      const sdkMarket = () => ({ ...totals, price }); // the SDK writes to market.price: hand it a fresh object
      const ctx = { market: totals, collateralPrice: price, lltv };
      const context = `totals=${totals.totalBorrowAssets}/${totals.totalBorrowShares} price=${price} lltv=${lltv}`;

      // liquidate(seizedAssets, 0): repaid shares; liquidate(0, repaidShares): seized assets; both: repaid assets.
      const seized = prng.logBigint(0, 27);
      const fromSeized = morphoLiquidationFromSeized({ ...ctx, seizedAssets: seized });
      expect(fromSeized.repaidShares, `${context} seized=${seized}`).toBe(
        MarketUtils.getLiquidationRepaidShares(seized, sdkMarket(), { lltv }),
      );
      expect(fromSeized.repaidAssets, `${context} seized=${seized}`).toBe(
        MarketUtils.toBorrowAssets(fromSeized.repaidShares, totals, "Up"),
      );
      const shares = 1n + ((totals.totalBorrowShares + 1_000_000n) * prng.logBigint(0, 6)) / 1_000_000n; // up to ~10x all shares
      const fromShares = morphoLiquidationFromShares({ ...ctx, repaidShares: shares });
      expect(fromShares.seizedAssets, `${context} shares=${shares}`).toBe(
        MarketUtils.getLiquidationSeizedAssets(shares, sdkMarket(), { lltv }),
      );
      expect(fromShares.repaidAssets, `${context} shares=${shares}`).toBe(
        MarketUtils.toBorrowAssets(shares, totals, "Up"),
      );

      // _isHealthy and the health factor.
      // A position's shares are part of the market's (Morpho would underflow otherwise).
      const someShares = prng.chance(0.2) ? totals.totalBorrowShares : prng.logBigint(0, 33);
      const borrowShares = prng.chance(0.05)
        ? 0n
        : someShares < totals.totalBorrowShares
          ? someShares
          : totals.totalBorrowShares;
      // Collateral either unrelated to the debt, or sized for a health factor of 0.3 .. 1.2 (most liquidations).
      const borrowedAssets = toAssetsUp(borrowShares, totals.totalBorrowAssets, totals.totalBorrowShares);
      const hfPpm = prng.bigint(300_000n, 1_200_000n);
      const collateral =
        prng.chance(0.6) && borrowedAssets > 0n && lltv > 0n
          ? (borrowedAssets * ORACLE_PRICE_SCALE * WAD * hfPpm) / (price * lltv * 1_000_000n)
          : prng.chance(0.05)
            ? 0n
            : prng.logBigint(0, 27);
      const position = { borrowShares, collateral };
      const health = morphoPositionHealth({ ...ctx, position });
      const pctx = `${context} position=${position.borrowShares}/${position.collateral}`;
      expect(health.healthy, pctx).toBe(MarketUtils.isHealthy(position, sdkMarket(), { lltv }));
      expect(health.healthFactor, pctx).toBe(MarketUtils.getHealthFactor(position, sdkMarket(), { lltv }));
      expect(health.maxBorrow, pctx).toBe(MarketUtils.getMaxBorrowAssets(position.collateral, sdkMarket(), { lltv }));
      expect(health.borrowed, pctx).toBe(MarketUtils.toBorrowAssets(position.borrowShares, totals));

      // The SDK's "seizable collateral" is min(collateral, collateral bought by all the shares). Our max
      // liquidation is the largest seizedAssets that does not revert (found by bisection). They must agree: every
      // rounding in liquidate() is against the liquidator, so s <= seized(borrowShares) whenever
      // repaidShares(s) <= borrowShares (chain the three ceilings back through the floors).
      const sdkSeizable = MarketUtils.getSeizableCollateral(position, sdkMarket(), { lltv })!;
      const max = morphoMaxLiquidation({ ...ctx, position });
      if (max === null) {
        // Healthy, no debt, no collateral, or unhealthy with all the shares buying 0 collateral: nothing to seize.
        expect(sdkSeizable, pctx).toBe(0n);
        continue;
      }
      unhealthy++;
      expect(max.seizedAssets, pctx).toBe(sdkSeizable);
      if (max.repaysAllShares) repaysAll++;
    }
    if (process.env.PROPERTY_VERBOSE) console.log({ unhealthy, repaysAll });
    expect(unhealthy).toBeGreaterThan(RUNS / 10);
    expect(repaysAll).toBeGreaterThan(RUNS / 20);
    expect(unhealthy - repaysAll).toBeGreaterThan(RUNS / 20);
  });

  it(`interest accrual: interest and fee shares (${RUNS} random markets)`, () => {
    const prng = new Prng(SEED + 4);
    for (let i = 0; i < RUNS; i++) {
      const totalBorrowAssets = prng.chance(0.05) ? 0n : prng.logBigint(0, 28);
      const totalSupplyAssets = totalBorrowAssets + (prng.chance(0.1) ? 0n : prng.logBigint(0, 28));
      const totalSupplyShares = (totalSupplyAssets * 1_000_000n * prng.bigint(500_000n, 2_000_000n)) / 1_000_000n;
      const fee = prng.chance(0.3) ? 0n : prng.bigint(0n, 25n * 10n ** 16n);
      const lastUpdate = BigInt(prng.int(1_600_000_000, 1_800_000_000));
      const market: MorphoMarketState = {
        totalSupplyAssets,
        totalSupplyShares,
        totalBorrowAssets,
        totalBorrowShares: totalBorrowAssets * 1_000_000n,
        lastUpdate,
        fee,
      };
      const borrowRate = prng.chance(0.05) ? 0n : prng.logBigint(0, 10);
      const elapsed = BigInt(prng.int(1, 5 * 31_536_000));
      const ours = accrueMorphoInterest({ market, irm: IRM, borrowRate, timestamp: lastUpdate + elapsed });
      const sdk = MarketUtils.getAccruedInterest(borrowRate, market, elapsed);
      const ctx = `rate=${borrowRate} elapsed=${elapsed} market=${JSON.stringify(market, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`;
      expect({ interest: ours.interest, feeShares: ours.feeShares }, ctx).toEqual({
        interest: sdk.interest,
        feeShares: sdk.feeShares,
      });
      expect(ours.market.totalBorrowAssets, ctx).toBe(totalBorrowAssets + sdk.interest);
      expect(ours.market.totalSupplyShares, ctx).toBe(totalSupplyShares + sdk.feeShares);
    }
  });
});
