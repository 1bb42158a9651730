/**
 * Aave v3.6 TokenMath: how balances become scaled amounts and back, each rounding in the protocol's favour, and what
 * a liquidation moves in scaled units. The liquidation's protocol fee is capped there: LiquidationLogic sends at most
 * the borrower's remaining scaled aTokens to the treasury ("1 wei imprecision"), so when the collateral's index is
 * above 1 ray and the liquidation takes the whole balance, the treasury can receive a wei or so less than
 * {@link aaveLiquidationAmounts}' `protocolFee`.
 */
import { RiskMathError } from "../errors.js";

const RAY = 10n ** 27n;

function positive(index: bigint): bigint {
  if (index <= 0n) throw new RiskMathError("Aave index must be positive", "division by zero");
  return index;
}

/** aToken balance of a scaled amount: rayMulFloor (TokenMath.getATokenBalance). */
export function aaveATokenBalance(scaled: bigint, liquidityIndex: bigint): bigint {
  return (scaled * liquidityIndex) / RAY;
}

/** Scaled aTokens a burn or transfer of `amount` takes: rayDivCeil (getATokenBurnScaledAmount / TransferScaled). */
export function aaveATokenScaledOut(amount: bigint, liquidityIndex: bigint): bigint {
  const i = positive(liquidityIndex);
  return (amount * RAY + i - 1n) / i;
}

/** Variable debt of a scaled amount: rayMulCeil (TokenMath.getVTokenBalance). */
export function aaveVTokenBalance(scaled: bigint, variableBorrowIndex: bigint): bigint {
  return (scaled * variableBorrowIndex + RAY - 1n) / RAY;
}

/** Scaled debt a repayment of `amount` burns: rayDivFloor (TokenMath.getVTokenBurnScaledAmount). */
export function aaveVTokenScaledBurn(amount: bigint, variableBorrowIndex: bigint): bigint {
  return (amount * RAY) / positive(variableBorrowIndex);
}

/** What a liquidation moves of the borrower's collateral aTokens, in scaled units (v3.6 LiquidationLogic). */
export interface AaveCollateralTransfers {
  /** Scaled aTokens burnt (or transferred, with receiveAToken) for the liquidator's collateral. */
  liquidatorScaled: bigint;
  /** Scaled aTokens sent to the treasury, after the cap at the borrower's remaining balance. */
  protocolFeeScaled: bigint;
  /** The fee in underlying terms the treasury is credited: `protocolFee`, or the capped balance's value. */
  protocolFee: bigint;
  /** True when the cap cut the fee. */
  protocolFeeCapped: boolean;
  /** The borrower's scaled collateral after the liquidation. */
  userScaledAfter: bigint;
}

/**
 * The scaled side of a liquidation's collateral: the liquidator's part (rayDivCeil), then the protocol fee
 * (rayDivCeil), capped at what the borrower has left, whose value (rayMulFloor) is then the fee.
 *
 * @param params - Amounts from aaveLiquidationAmounts, the borrower's scaled aToken balance and the reserve's
 *   liquidity index at the liquidation's block (getReserveNormalizedIncome).
 * @returns Scaled amounts moved and the fee after the cap.
 */
export function aaveCollateralTransfers(params: {
  collateralSeized: bigint;
  protocolFee: bigint;
  userCollateralScaled: bigint;
  liquidityIndex: bigint;
}): AaveCollateralTransfers {
  const liquidatorScaled = aaveATokenScaledOut(params.collateralSeized, params.liquidityIndex);
  const left = params.userCollateralScaled - liquidatorScaled;
  if (params.protocolFee === 0n)
    return {
      liquidatorScaled,
      protocolFeeScaled: 0n,
      protocolFee: 0n,
      protocolFeeCapped: false,
      userScaledAfter: left,
    };
  const wanted = aaveATokenScaledOut(params.protocolFee, params.liquidityIndex);
  const capped = wanted > left;
  const protocolFeeScaled = capped ? left : wanted;
  return {
    liquidatorScaled,
    protocolFeeScaled,
    protocolFee: capped ? aaveATokenBalance(left, params.liquidityIndex) : params.protocolFee,
    protocolFeeCapped: capped,
    userScaledAfter: left - protocolFeeScaled,
  };
}
