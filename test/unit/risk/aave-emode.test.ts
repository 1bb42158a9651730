import { describe, expect, it } from "vitest";
import {
  aaveAccountSummary,
  aaveCollateralParams,
  aaveCollateralTransfers,
  aaveLiquidationAmounts,
  aaveLiquidationSearch,
  findAaveEModeCategory,
  type AaveEModeCategory,
  type AaveReserveView,
  type AaveUserReserve,
} from "../../../src/risk/index.js";
import { RiskMathError } from "../../../src/risk/errors.js";

const WETH = "0x00000000000000000000000000000000000000e1" as const;
const USDC = "0x00000000000000000000000000000000000000c6" as const;
const STETH = "0x00000000000000000000000000000000000000a5" as const;
const RAY = 10n ** 27n;

// Reserve ids 0 (WETH), 1 (USDC), 2 (an LST).
const weth: AaveReserveView = {
  asset: WETH,
  id: 0,
  decimals: 18,
  priceBase: 2_000n * 10n ** 8n,
  liquidationBonus: 10_500n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 8_250n,
  ltv: 8_000n,
};
const usdc: AaveReserveView = {
  asset: USDC,
  id: 1,
  decimals: 6,
  priceBase: 10n ** 8n,
  liquidationBonus: 10_450n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 8_000n,
  ltv: 7_700n,
};
// Collateral only in eMode: threshold 0 (and bonus 0) outside it.
const steth: AaveReserveView = {
  asset: STETH,
  id: 2,
  decimals: 18,
  priceBase: 2_000n * 10n ** 8n,
  liquidationBonus: 0n,
  liquidationProtocolFee: 1_000n,
  liquidationThreshold: 0n,
  ltv: 0n,
};
const ethCorrelated: AaveEModeCategory = {
  id: 1,
  ltv: 9_300n,
  liquidationThreshold: 9_500n,
  liquidationBonus: 10_100n,
  collateralBitmap: (1n << 0n) | (1n << 2n),
  borrowableBitmap: 1n << 0n,
  ltvzeroBitmap: 0n,
  label: "ETH correlated",
};
const reserves = [weth, usdc, steth];
const row = (asset: `0x${string}`, patch: Partial<AaveUserReserve>): AaveUserReserve => ({
  asset,
  aTokenBalance: 0n,
  variableDebt: 0n,
  stableDebt: 0n,
  usageAsCollateralEnabled: true,
  ...patch,
});

describe("Aave v3.6 eMode parameters", () => {
  it("takes the category's LTV, LT and bonus for its collateral bitmap only; ltvzero zeroes the LTV alone", () => {
    expect(aaveCollateralParams(steth, ethCorrelated)).toEqual({
      ltv: 9_300n,
      liquidationThreshold: 9_500n,
      liquidationBonus: 10_100n,
      fromEMode: true,
    });
    expect(aaveCollateralParams(usdc, ethCorrelated).fromEMode).toBe(false);
    expect(aaveCollateralParams(steth).liquidationThreshold).toBe(0n);
    const frozen = { ...ethCorrelated, ltvzeroBitmap: 1n << 2n };
    expect(aaveCollateralParams(steth, frozen)).toMatchObject({ ltv: 0n, liquidationThreshold: 9_500n });
    // Id 0 is "no eMode", whatever its bitmaps say.
    expect(aaveCollateralParams(steth, { ...ethCorrelated, id: 0 }).fromEMode).toBe(false);
    expect(() => aaveCollateralParams({ ...steth, id: undefined }, ethCorrelated)).toThrow(RiskMathError);
    expect(findAaveEModeCategory([ethCorrelated], 0n)).toBeUndefined();
    expect(() => findAaveEModeCategory([ethCorrelated], 7)).toThrow(/category 7/);
  });

  it("recomputes the account at the category's threshold for its assets and the reserve's for the others", () => {
    const position = {
      reserves: [
        row(STETH, { aTokenBalance: 10n * 10n ** 18n }), // $20,000 at 95%
        row(USDC, { aTokenBalance: 10_000n * 10n ** 6n }), // $10,000 at its own 80%
        row(WETH, { variableDebt: 12n * 10n ** 18n }), // $24,000
      ],
      eMode: ethCorrelated,
    };
    const s = aaveAccountSummary(position, reserves);
    expect(s.totalCollateralBase).toBe(30_000n * 10n ** 8n);
    // (20,000 * 9500 + 10,000 * 8000) / 30,000 = 9000; HF = 27,000 / 24,000.
    expect(s.currentLiquidationThreshold).toBe(9_000n);
    expect(s.healthFactor).toBe(1_125_000_000_000_000_000n);
    // Outside eMode the LST counts at threshold 0: its value stays in the total (v3.6), its weight is gone.
    const plain = aaveAccountSummary({ reserves: position.reserves }, reserves);
    expect(plain.totalCollateralBase).toBe(30_000n * 10n ** 8n);
    expect(plain.healthFactor).toBe((8_000n * 10n ** 18n) / 24_000n);
    expect(plain.hasZeroLtvCollateral).toBe(true);
  });

  it("liquidates eMode collateral at the category's bonus, the protocol fee staying the reserve's", () => {
    const params = {
      debtReserve: weth,
      collateralReserve: steth,
      variableDebt: 12n * 10n ** 18n,
      stableDebt: 0n,
      userCollateralBalance: 13n * 10n ** 18n,
      healthFactor: 98n * 10n ** 16n,
      debtToCover: 10n ** 18n,
      eMode: ethCorrelated,
    };
    const a = aaveLiquidationAmounts(params);
    expect(a.liquidationBonus).toBe(10_100n);
    // 1 WETH of debt buys 1.01 LST; the fee is 10% of the 0.01 bonus (percentDiv rounding).
    const bonus = 101n * 10n ** 16n - (101n * 10n ** 16n * 10_000n + 5_050n) / 10_100n;
    expect(a.protocolFee).toBe((bonus * 1_000n + 5_000n) / 10_000n);
    expect(a.collateralSeized + a.protocolFee).toBe(101n * 10n ** 16n);
    expect(a.revert).toBeNull();
    // The same call outside eMode: bonus 0 and a fee, so percentDiv(0, 0) reverts in the pool.
    const { eMode: _e, ...outside } = params;
    expect(aaveLiquidationAmounts(outside).revert).toBe("PercentageMathRevert");
    // Without a fee it passes and yields nothing.
    const noFee = aaveLiquidationAmounts({ ...outside, collateralReserve: { ...steth, liquidationProtocolFee: 0n } });
    expect([noFee.revert, noFee.collateralSeized, noFee.debtToRepay]).toEqual([null, 0n, 10n ** 18n]);
  });

  it("writes the rest of the debt off when the collateral taken is all the user has", () => {
    const a = aaveLiquidationAmounts({
      debtReserve: usdc,
      collateralReserve: weth,
      variableDebt: 5_000n * 10n ** 6n,
      stableDebt: 0n,
      userCollateralBalance: 2n * 10n ** 18n, // $4,000 against $5,000: capped, all of it taken
      healthFactor: 5n * 10n ** 17n,
      debtToCover: 2n ** 256n - 1n,
      totalCollateralBase: 4_000n * 10n ** 8n,
    });
    expect(a.collateralCapped).toBe(true);
    expect(a.noCollateralLeft).toBe(true);
    expect(a.deficit).toBe(5_000n * 10n ** 6n - a.debtToRepay);
    // Another collateral worth anything keeps the debt on the books.
    const other = aaveLiquidationAmounts({
      debtReserve: usdc,
      collateralReserve: weth,
      variableDebt: 5_000n * 10n ** 6n,
      stableDebt: 0n,
      userCollateralBalance: 2n * 10n ** 18n,
      healthFactor: 5n * 10n ** 17n,
      debtToCover: 2n ** 256n - 1n,
      totalCollateralBase: 4_000n * 10n ** 8n + 1n,
    });
    expect([other.noCollateralLeft, other.deficit]).toEqual([false, 0n]);
  });

  it("refuses paused reserves and grace periods by the pool's error names, and lists the other debts burnt", () => {
    const user = {
      reserves: [row(WETH, { aTokenBalance: 10n ** 18n }), row(USDC, { variableDebt: 1_500n * 10n ** 6n })],
      healthFactor: 5n * 10n ** 17n,
    };
    const paused = aaveLiquidationSearch(user, [{ ...weth, paused: true }, usdc, steth]);
    expect(paused.candidates).toEqual([]);
    expect(paused.refused[0]).toMatchObject({ error: "ReservePaused", collateralAsset: WETH });
    const graced = aaveLiquidationSearch(user, [weth, { ...usdc, liquidationGracePeriodUntil: 1_000n }, steth], {
      timestamp: 1_000n,
    });
    expect(graced.refused[0]?.error).toBe("LiquidationGraceSentinelCheckFailed");
    expect(
      aaveLiquidationSearch(user, [weth, { ...usdc, liquidationGracePeriodUntil: 999n }, steth], { timestamp: 1_000n })
        .candidates,
    ).toHaveLength(1);
    // Two debts, all collateral taken for the USDC one: the WETH debt is burnt too, at ~79k gas more.
    const twoDebts = {
      reserves: [
        row(STETH, { aTokenBalance: 10n ** 18n }),
        row(USDC, { variableDebt: 2_500n * 10n ** 6n }),
        row(WETH, { variableDebt: 10n ** 17n }),
      ],
      healthFactor: 5n * 10n ** 17n,
      eMode: ethCorrelated,
    };
    const c = aaveLiquidationSearch(twoDebts, reserves).candidates.find((x) => x.debtAsset === USDC)!;
    expect(c.noCollateralLeft).toBe(true);
    expect(c.badDebtWrittenOff).toEqual([{ asset: WETH, amount: 10n ** 17n }]);
    expect(c.extraGas).toBeGreaterThan(0n);
  });
});

describe("Aave v3.6 TokenMath of a liquidation", () => {
  it("caps the protocol fee at the borrower's remaining scaled balance", () => {
    const index = RAY + RAY / 3n; // 1.333... ray
    const userCollateralScaled = 1_000n;
    const balance = (userCollateralScaled * index) / RAY; // 1333
    const t = aaveCollateralTransfers({
      collateralSeized: 1_300n,
      protocolFee: balance - 1_300n,
      userCollateralScaled,
      liquidityIndex: index,
    });
    expect(t.liquidatorScaled).toBe((1_300n * RAY + index - 1n) / index);
    expect(t.protocolFeeScaled + t.liquidatorScaled).toBeLessThanOrEqual(userCollateralScaled);
    expect(t.userScaledAfter).toBe(userCollateralScaled - t.liquidatorScaled - t.protocolFeeScaled);
    // 1,300 takes 976 scaled (rayDivCeil), the fee of 33 wants 25 of the 24 left: capped at 24, worth 31.
    expect([t.liquidatorScaled, t.protocolFeeScaled, t.protocolFeeCapped]).toEqual([976n, 24n, true]);
    expect(t.protocolFee).toBe((24n * index) / RAY);
    const noFee = aaveCollateralTransfers({
      collateralSeized: 10n,
      protocolFee: 0n,
      userCollateralScaled,
      liquidityIndex: RAY,
    });
    expect(noFee).toMatchObject({ protocolFeeScaled: 0n, userScaledAfter: 990n, protocolFeeCapped: false });
  });
});
