import { describe, expect, it } from "vitest";
import {
  AAVE_CLOSE_FACTOR_HF_THRESHOLD,
  AAVE_FULL_CLOSE_MARGIN_BPS,
  aaveAccountSummary,
  aaveDebtToCoverToSend,
  aaveCloseFactor,
  aaveHealthFactor,
  aaveLiquidationAmounts,
  aaveLiquidationBlocker,
  aaveLiquidationRevert,
  aaveLiquidationCandidates,
  bestAaveLiquidation,
  decodeAaveReserveConfiguration,
  isAaveLiquidatable,
  MAX_UINT256,
  percentDiv,
  percentMul,
  percentMulCeil,
  type AaveReserveView,
  type AaveUserReserve,
} from "../../../src/risk/index.js";
import { Prng } from "./prng.js";

const WAD = 10n ** 18n;
const ONE_WETH = 10n ** 18n;
const WETH = "0x00000000000000000000000000000000000000e1" as const;
const USDC = "0x00000000000000000000000000000000000000c6" as const;
const WBTC = "0x00000000000000000000000000000000000000b8" as const;

const weth: AaveReserveView = {
  asset: WETH,
  decimals: 18,
  priceBase: 2000n * 10n ** 8n,
  liquidationBonus: 10_500n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 8_250n,
  ltv: 8_000n,
};
const usdc: AaveReserveView = {
  asset: USDC,
  decimals: 6,
  priceBase: 10n ** 8n,
  liquidationBonus: 10_450n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 8_700n,
  ltv: 8_600n,
};
const wbtc: AaveReserveView = {
  asset: WBTC,
  decimals: 8n, // as PoolDataProvider returns it
  priceBase: 60_000n * 10n ** 8n,
  liquidationBonus: 11_000n,
  liquidationProtocolFee: 0n,
  liquidationThreshold: 7_500n,
  ltv: 7_000n,
};

function balance(asset: `0x${string}`, patch: Partial<AaveUserReserve>): AaveUserReserve {
  return { asset, aTokenBalance: 0n, variableDebt: 0n, stableDebt: 0n, usageAsCollateralEnabled: true, ...patch };
}

describe("health factor (GenericLogic)", () => {
  it("is percentMul(collateral, LT) wadDiv debt", () => {
    // 10,000 USD collateral at 82.5% against 8,000 USD debt: 8250 / 8000 = 1.03125.
    expect(
      aaveHealthFactor({
        totalCollateralBase: 10_000n * 10n ** 8n,
        totalDebtBase: 8_000n * 10n ** 8n,
        currentLiquidationThreshold: 8_250n,
      }),
    ).toBe(1_031_250_000_000_000_000n);
  });

  it("is 2^256-1 without debt and floors as v3.6 does", () => {
    expect(aaveHealthFactor({ totalCollateralBase: 5n, totalDebtBase: 0n, currentLiquidationThreshold: 8_000n })).toBe(
      MAX_UINT256,
    );
    // v3.6: (3 * 5000).wadDiv(3) / 1e4 = 0.5: no percentMul rounding of the collateral first.
    expect(aaveHealthFactor({ totalCollateralBase: 3n, totalDebtBase: 3n, currentLiquidationThreshold: 5_000n })).toBe(
      5n * 10n ** 17n,
    );
  });

  it("recomputes getUserAccountData from balances (6/8/18 decimals)", () => {
    const summary = aaveAccountSummary(
      {
        reserves: [
          balance(WETH, { aTokenBalance: 2n * ONE_WETH }), // 4,000 USD at LT 82.5%
          balance(WBTC, { aTokenBalance: 10_000_000n }), // 0.1 WBTC = 6,000 USD at LT 75%
          balance(USDC, { variableDebt: 7_000n * 10n ** 6n, stableDebt: 500n * 10n ** 6n }),
        ],
      },
      [weth, usdc, wbtc],
    );
    expect(summary.totalCollateralBase).toBe(10_000n * 10n ** 8n);
    expect(summary.totalDebtBase).toBe(7_500n * 10n ** 8n);
    // (4000 * 8250 + 6000 * 7500) / 10000 = 7800 bps; LTV (4000*8000 + 6000*7000)/10000 = 7400.
    expect(summary.currentLiquidationThreshold).toBe(7_800n);
    expect(summary.ltv).toBe(7_400n);
    // 7800 / 7500 = 1.04
    expect(summary.healthFactor).toBe(1_040_000_000_000_000_000n);
    expect(summary.hasZeroLtvCollateral).toBe(false);
  });

  it("ignores disabled collateral and counts a zero threshold's value without weight (v3.6)", () => {
    const summary = aaveAccountSummary(
      {
        reserves: [
          balance(WETH, { aTokenBalance: ONE_WETH, usageAsCollateralEnabled: false }),
          balance(WBTC, { aTokenBalance: 10n ** 8n }),
          balance(USDC, { variableDebt: 1n }),
        ],
      },
      [weth, usdc, { ...wbtc, liquidationThreshold: 0n }],
    );
    expect(summary.totalCollateralBase).toBe(wbtc.priceBase);
    expect(summary.currentLiquidationThreshold).toBe(0n);
    expect(summary.healthFactor).toBe(0n);
    expect(isAaveLiquidatable(summary.healthFactor)).toBe(true);
  });

  it("uses a strict < 1e18 liquidation test", () => {
    expect(isAaveLiquidatable(WAD)).toBe(false);
    expect(isAaveLiquidatable(WAD - 1n)).toBe(true);
  });
});

describe("close factor", () => {
  it("switches to 100% at exactly 0.95 (the source tests HF > threshold)", () => {
    expect(aaveCloseFactor(AAVE_CLOSE_FACTOR_HF_THRESHOLD)).toBe(10_000n);
    expect(aaveCloseFactor(AAVE_CLOSE_FACTOR_HF_THRESHOLD + 1n)).toBe(5_000n);
    expect(aaveCloseFactor(AAVE_CLOSE_FACTOR_HF_THRESHOLD - 1n)).toBe(10_000n);
    expect(aaveCloseFactor(0n)).toBe(10_000n);
  });
});

describe("liquidation sizing (LiquidationLogic)", () => {
  const base = {
    debtReserve: usdc,
    collateralReserve: weth,
    variableDebt: 1_000n * 10n ** 6n,
    stableDebt: 0n,
    userCollateralBalance: ONE_WETH,
    healthFactor: 97n * 10n ** 16n,
    debtToCover: MAX_UINT256,
  };

  it("closes a position under $2,000 in full even above HF 0.95 (v3.6)", () => {
    const r = aaveLiquidationAmounts({ ...base, debtToCover: MAX_UINT256 });
    expect(r.closeFactor).toBe(10_000n);
    expect(r.maxLiquidatableDebt).toBe(1_000_000_000n);
  });

  it("sizes a 50% close with bonus and protocol fee (hand-computed)", () => {
    // A $4,000 debt against 10 WETH: both sides over $2,000, so half the total debt at most.
    const r = aaveLiquidationAmounts({
      ...base,
      variableDebt: 4_000n * 10n ** 6n,
      userCollateralBalance: 10n * ONE_WETH,
      debtToCover: 500n * 10n ** 6n,
    });
    // max = (4000e8 percentMul 50%) * 1e6 / 1e8 = 2000e6; debtToCover 500e6 below it.
    expect(r.closeFactor).toBe(5_000n);
    expect(r.maxLiquidatableDebt).toBe(2_000_000_000n);
    expect(r.debtToRepay).toBe(500_000_000n);
    // base collateral = 1e8 * 500e6 * 1e18 / (2000e8 * 1e6) = 0.25 WETH; * 105% = 0.2625 WETH;
    // bonus part = 0.2625 - 0.25 = 0.0125; fee = 10% of it = 0.00125; liquidator gets 0.26125.
    expect(r.collateralSeized).toBe(261_250_000_000_000_000n);
    expect(r.protocolFee).toBe(1_250_000_000_000_000n);
    expect(r.collateralCapped).toBe(false);
  });

  it("closes 100% when HF is exactly 0.95", () => {
    const r = aaveLiquidationAmounts({ ...base, healthFactor: AAVE_CLOSE_FACTOR_HF_THRESHOLD });
    expect(r.closeFactor).toBe(10_000n);
    expect(r.debtToRepay).toBe(1_000_000_000n);
    expect(r.collateralSeized + r.protocolFee).toBe(525_000_000_000_000_000n);
  });

  it("caps at the collateral balance and recomputes the debt", () => {
    const r = aaveLiquidationAmounts({ ...base, userCollateralBalance: 2n * 10n ** 17n });
    expect(r.collateralCapped).toBe(true);
    // debt = percentDivCeil(2000e8 * 0.2e18 * 1e6 / (1e8 * 1e18), 10500) = percentDivCeil(400e6, 10500)
    //      = ceil(400e6 * 1e4 / 10500) = 380952381 (380952380.95 rounded up)
    expect(r.debtToRepay).toBe(380_952_381n);
    // bonus = 0.2e18 - percentDiv(0.2e18, 10500) = 0.2e18 - 190476190476190476 = 9523809523809524
    // fee = percentMul(9523809523809524, 1000) = 952380952380952
    expect(r.protocolFee).toBe(952_380_952_380_952n);
    expect(r.collateralSeized).toBe(199_047_619_047_619_048n);
    expect(r.collateralSeized + r.protocolFee).toBe(2n * 10n ** 17n);
  });

  it("sends a partial size as sized, and a full close with a margin that survives interest accrued meanwhile", () => {
    // $4,000 of debt against 10 WETH at HF 0.9: 100% close factor, not capped by the collateral.
    const big = {
      ...base,
      variableDebt: 4_000n * 10n ** 6n,
      userCollateralBalance: 10n * ONE_WETH,
      healthFactor: 9n * 10n ** 17n,
    };
    const partial = aaveLiquidationAmounts({ ...big, debtToCover: 1_000n * 10n ** 6n });
    expect(partial.mustNotLeaveDust).toBe(false);
    expect(aaveDebtToCoverToSend(partial)).toBe(partial.debtToRepay);

    const full = aaveLiquidationAmounts(big);
    expect(full.debtToRepay).toBe(full.userTotalDebt);
    const sent = aaveDebtToCoverToSend(full);
    expect(sent).toBe(full.debtToRepay + percentMulCeil(full.debtToRepay, AAVE_FULL_CLOSE_MARGIN_BPS));
    // A block later the debt has grown by interest (0.5 bp here): the exact figure would leave a few cents of
    // debt, which v3.6 refuses (MustNotLeaveDust); the margin repays it all.
    const later = { ...big, variableDebt: big.variableDebt + big.variableDebt / 20_000n };
    expect(aaveLiquidationAmounts({ ...later, debtToCover: full.debtToRepay }).mustNotLeaveDust).toBe(true);
    const atInclusion = aaveLiquidationAmounts({ ...later, debtToCover: sent });
    expect(atInclusion.mustNotLeaveDust).toBe(false);
    expect(atInclusion.debtToRepay).toBe(later.variableDebt);
    // On the snapshot's own balances the margin changes nothing: the pool caps at the debt.
    expect(aaveLiquidationAmounts({ ...big, debtToCover: sent })).toEqual(full);
  });

  it("honours a smaller debtToCover and stable debt", () => {
    const r = aaveLiquidationAmounts({
      ...base,
      variableDebt: 600n * 10n ** 6n,
      stableDebt: 400n * 10n ** 6n,
      debtToCover: 100n * 10n ** 6n,
    });
    expect(r.userTotalDebt).toBe(1_000_000_000n);
    expect(r.debtToRepay).toBe(100_000_000n);
    // 0.05 WETH * 1.05 = 0.0525; fee = 10% of 0.0025
    expect(r.collateralSeized).toBe(52_250_000_000_000_000n);
  });

  it("has no protocol fee when the fee is 0 and handles 8-decimal collateral", () => {
    const r = aaveLiquidationAmounts({
      ...base,
      collateralReserve: wbtc,
      userCollateralBalance: 10n ** 8n,
      healthFactor: 9n * 10n ** 17n,
      variableDebt: 6_000n * 10n ** 6n,
    });
    // 6000 USDC = 0.1 WBTC = 10_000_000 sats; * 110% = 11_000_000.
    expect(r.debtToRepay).toBe(6_000_000_000n);
    expect(r.collateralSeized).toBe(11_000_000n);
    expect(r.protocolFee).toBe(0n);
  });

  it("floors tiny amounts to zero collateral", () => {
    // 1 micro-USDC is worth 5e-10 WETH... = 500_000_000 wei, times 1.05 = 525_000_000 wei: not zero.
    const one = aaveLiquidationAmounts({ ...base, debtToCover: 1n });
    expect(one.collateralSeized + one.protocolFee).toBe(525_000_000n);
    // Reverse: 1 wei of WETH debt against USDC collateral floors to 0 USDC.
    const dust = aaveLiquidationAmounts({
      ...base,
      debtReserve: weth,
      collateralReserve: usdc,
      variableDebt: 1n,
      userCollateralBalance: 10n ** 6n,
      debtToCover: 1n,
    });
    expect(dust.collateralSeized).toBe(0n);
    expect(dust.debtToRepay).toBe(1n);
  });

  it("reports why a liquidation call would revert", () => {
    expect(
      aaveLiquidationBlocker({
        healthFactor: WAD,
        collateralReserve: weth,
        usageAsCollateralEnabled: true,
        userTotalDebt: 1n,
      }),
    ).toBe("health factor not below 1");
    // v3.6 checks the user's collateral flag only: a threshold of 0 does not refuse the call.
    expect(
      aaveLiquidationBlocker({
        healthFactor: 0n,
        collateralReserve: { ...weth, liquidationThreshold: 0n },
        usageAsCollateralEnabled: true,
        userTotalDebt: 1n,
      }),
    ).toBeNull();
    // Paused before grace period before health factor, either reserve (ValidationLogic's order).
    expect(
      aaveLiquidationRevert({
        healthFactor: WAD,
        collateralReserve: { ...weth, liquidationGracePeriodUntil: 100n },
        debtReserve: { ...usdc, paused: true },
        usageAsCollateralEnabled: true,
        userTotalDebt: 1n,
        timestamp: 100n,
      })?.error,
    ).toBe("ReservePaused");
    expect(
      aaveLiquidationRevert({
        healthFactor: WAD,
        collateralReserve: { ...weth, liquidationGracePeriodUntil: 100n },
        usageAsCollateralEnabled: true,
        userTotalDebt: 1n,
        timestamp: 100n,
      })?.error,
    ).toBe("LiquidationGraceSentinelCheckFailed");
    // The grace period ends strictly before the block: until < block.timestamp passes.
    expect(
      aaveLiquidationRevert({
        healthFactor: 0n,
        collateralReserve: { ...weth, liquidationGracePeriodUntil: 99n, frozen: true },
        usageAsCollateralEnabled: true,
        userTotalDebt: 1n,
        timestamp: 100n,
      }),
    ).toBeNull();
    expect(
      aaveLiquidationBlocker({
        healthFactor: 0n,
        collateralReserve: weth,
        usageAsCollateralEnabled: false,
        userTotalDebt: 1n,
      }),
    ).toBe("the user does not use this reserve as collateral");
    expect(
      aaveLiquidationBlocker({
        healthFactor: 0n,
        collateralReserve: weth,
        usageAsCollateralEnabled: true,
        userTotalDebt: 0n,
      }),
    ).toBe("the user has no debt in this reserve");
    expect(
      aaveLiquidationBlocker({
        healthFactor: 0n,
        collateralReserve: weth,
        usageAsCollateralEnabled: true,
        userTotalDebt: 1n,
      }),
    ).toBeNull();
  });

  it("keeps the contract's invariants on random inputs (seed 7)", () => {
    const prng = new Prng(7);
    const decimals = [6, 8, 18];
    for (let i = 0; i < 3000; i++) {
      const debtDecimals = decimals[prng.int(0, 2)]!;
      const collDecimals = decimals[prng.int(0, 2)]!;
      const debtReserve: AaveReserveView = { ...usdc, decimals: debtDecimals, priceBase: prng.logBigint(5, 13) };
      const collateralReserve: AaveReserveView = {
        ...weth,
        decimals: collDecimals,
        priceBase: prng.logBigint(5, 13),
        liquidationBonus: BigInt(prng.int(10_001, 11_500)),
        liquidationProtocolFee: BigInt(prng.int(0, 3_000)),
      };
      const params = {
        debtReserve,
        collateralReserve,
        variableDebt: prng.logBigint(0, 24),
        stableDebt: prng.chance(0.2) ? prng.logBigint(0, 24) : 0n,
        userCollateralBalance: prng.logBigint(0, 26),
        healthFactor: prng.bigint(0n, WAD - 1n),
        debtToCover: prng.chance(0.5) ? MAX_UINT256 : prng.logBigint(0, 24),
      };
      const r = aaveLiquidationAmounts(params);
      const total = params.variableDebt + params.stableDebt;
      expect(r.debtToRepay).toBeLessThanOrEqual(r.maxLiquidatableDebt);
      // v3.6 halves the total debt in base (debts rounded up) and converts back: never more than the debt.
      expect(r.maxLiquidatableDebt).toBeLessThanOrEqual(total);
      expect(r.debtToRepay).toBeLessThanOrEqual(params.debtToCover);
      expect(r.collateralSeized + r.protocolFee).toBeLessThanOrEqual(params.userCollateralBalance);
      if (!r.collateralCapped)
        expect(r.debtToRepay).toBe(
          params.debtToCover < r.maxLiquidatableDebt ? params.debtToCover : r.maxLiquidatableDebt,
        );
      else expect(r.collateralSeized + r.protocolFee).toBe(params.userCollateralBalance);
      // The fee never exceeds its share of the bonus part.
      const gross = r.collateralSeized + r.protocolFee;
      expect(r.protocolFee).toBeLessThanOrEqual(
        percentMul(
          gross - percentDiv(gross, collateralReserve.liquidationBonus),
          collateralReserve.liquidationProtocolFee,
        ),
      );
    }
  });
});

describe("bestAaveLiquidation", () => {
  it("returns null for a healthy or debt-free user", () => {
    const healthy = {
      reserves: [balance(WETH, { aTokenBalance: ONE_WETH }), balance(USDC, { variableDebt: 100n * 10n ** 6n })],
    };
    expect(bestAaveLiquidation(healthy, [weth, usdc])).toBeNull();
    expect(bestAaveLiquidation({ reserves: [balance(WETH, { aTokenBalance: ONE_WETH })] }, [weth, usdc])).toBeNull();
  });

  it("picks the collateral with the better bonus, net of protocol fee", () => {
    // 0.1 WBTC (6000 USD, LT 75%, bonus 10%, no fee) and 3 WETH (6000 USD, LT 82.5%, bonus 5%)
    // against 10,000 USDC: HF = (4500 + 4950) / 10000 = 0.945 -> 100% close factor.
    const user = {
      reserves: [
        balance(WBTC, { aTokenBalance: 10_000_000n }),
        balance(WETH, { aTokenBalance: 3n * ONE_WETH }),
        balance(USDC, { variableDebt: 10_000n * 10n ** 6n }),
      ],
    };
    const all = aaveLiquidationCandidates(user, [weth, usdc, wbtc]);
    expect(all).toHaveLength(2);
    const best = bestAaveLiquidation(user, [weth, usdc, wbtc])!;
    expect(best.healthFactor).toBe(945_000_000_000_000_000n);
    // WBTC is capped at 0.1 BTC: debt = 6000 / 1.1 = 5454.545455 USDC, profit = 6000 - 5454.545455.
    expect(best.collateralAsset).toBe(WBTC);
    expect(best.collateralCapped).toBe(true);
    expect(best.collateralSeized).toBe(10_000_000n);
    expect(best.debtToRepay).toBe(5_454_545_455n);
    expect(best.profitBase).toBe(6_000n * 10n ** 8n - 5_454_545_455_00n);
    // WETH: capped at 3 WETH too: debt 6000/1.05, liquidator gets 3 WETH minus 10% of the bonus.
    const second = all[1]!;
    expect(second.collateralAsset).toBe(WETH);
    expect(second.profitBase).toBeLessThan(best.profitBase);
    // A capped liquidation takes the whole balance: it is sent with the full-close margin, and the pool caps it.
    expect(best.debtToCover).toBe(best.debtToRepay + percentMulCeil(best.debtToRepay, AAVE_FULL_CLOSE_MARGIN_BPS));
  });

  it("uses the given health factor when provided (e.g. from getUserAccountData)", () => {
    const user = {
      healthFactor: 99n * 10n ** 16n,
      reserves: [balance(WETH, { aTokenBalance: 10n * ONE_WETH }), balance(USDC, { variableDebt: 4_000n * 10n ** 6n })],
    };
    const best = bestAaveLiquidation(user, [weth, usdc])!;
    // Balances alone give HF 5 (10 WETH vs $4,000): the given 0.99 is what sets the 50% close factor.
    expect(best.closeFactor).toBe(5_000n);
    expect(best.debtToRepay).toBe(2_000_000_000n);
  });
});

describe("ReserveConfiguration decoding", () => {
  it("unpacks every field at its bit position", () => {
    const data =
      8_000n |
      (8_250n << 16n) |
      (10_500n << 32n) |
      (18n << 48n) |
      (1n << 56n) |
      (1n << 58n) |
      (1n << 63n) |
      (1_500n << 64n) |
      (1_000_000n << 80n) |
      (2_000_000n << 116n) |
      (1_000n << 152n) |
      (1n << 168n) |
      (5n << 176n) |
      (123n << 212n);
    expect(decodeAaveReserveConfiguration(data)).toEqual({
      ltv: 8_000n,
      liquidationThreshold: 8_250n,
      liquidationBonus: 10_500n,
      decimals: 18,
      active: true,
      frozen: false,
      borrowingEnabled: true,
      stableBorrowingEnabled: false,
      paused: false,
      borrowableInIsolation: false,
      siloedBorrowing: false,
      flashLoanEnabled: true,
      reserveFactor: 1_500n,
      borrowCap: 1_000_000n,
      supplyCap: 2_000_000n,
      liquidationProtocolFee: 1_000n,
      eModeCategory: 1,
      unbackedMintCap: 5n,
      debtCeiling: 123n,
    });
  });
});
