/**
 * Net profit of an opportunity in USD (8 decimals): gross profit minus gas minus any funding fee
 * not already inside the gross figure. Costs round up and gains round down, so the keeper never
 * selects a trade on the strength of a rounding error.
 */
import { RiskMathError } from "./errors.js";
import { divRoundingUp } from "./math/uint.js";
import { opStackL1FeeUpperBound, type OpStackL1FeeParams } from "./l1Fee.js";
import type { Opportunity } from "./opportunity.js";

/** USD amounts in this module carry 8 decimals, like Chainlink USD feeds. */
export const USD_DECIMALS = 8;

/** Gas prices and the ETH price that turn gas units into USD. */
export interface GasMarket {
  /** Block base fee, wei per gas. */
  baseFeePerGas: bigint;
  /** Priority fee the keeper pays, wei per gas. */
  priorityFeePerGas: bigint;
  /** ETH (or WETH) price in USD, 8 decimals. */
  ethUsd: bigint;
  /** On an OP-stack chain, the GasPriceOracle's parameters: each transaction also pays its L1 data fee. */
  l1?: OpStackL1FeeParams;
}

/** Breakdown of an opportunity's profit, USD 8 decimals. */
export interface NetProfit {
  grossUsd: bigint;
  /** Everything the transaction pays the chain: L2 gas and, on an OP-stack chain, the L1 data fee. */
  gasCostUsd: bigint;
  /** The L1 data fee's part of `gasCostUsd` (an upper bound; 0 off OP-stack chains or without the tx size). */
  l1FeeUsd: bigint;
  /** Funding fee, whether deducted here or already inside the gross figure. */
  fundingFeeUsd: bigint;
  /** Part of the funding fee deducted here (0 when included in the gross profit). */
  fundingFeeDeductedUsd: bigint;
  netUsd: bigint;
}

/**
 * Gas cost in wei: gasUnits * (baseFee + priorityFee).
 *
 * @param gasUnits - Gas the transaction uses.
 * @param gas - Gas market.
 * @returns Cost in wei.
 */
export function gasCostWei(gasUnits: bigint, gas: Pick<GasMarket, "baseFeePerGas" | "priorityFeePerGas">): bigint {
  return gasUnits * (gas.baseFeePerGas + gas.priorityFeePerGas);
}

/**
 * Gas cost in USD (8 decimals), rounded up.
 *
 * @param gasUnits - Gas the transaction uses.
 * @param gas - Gas market with the ETH price.
 * @returns USD, 8 decimals.
 */
export function gasCostUsd(gasUnits: bigint, gas: GasMarket): bigint {
  return divRoundingUp(gasCostWei(gasUnits, gas) * gas.ethUsd, 10n ** 18n);
}

/**
 * Values a raw token amount in USD (8 decimals): amount * price / 10^decimals, truncated
 * toward zero (a loss is not overstated either).
 *
 * @param amount - Raw token amount (may be negative).
 * @param decimals - Token decimals.
 * @param priceUsd - Token price in USD, 8 decimals.
 * @returns USD, 8 decimals.
 */
export function tokenAmountToUsd(amount: bigint, decimals: number, priceUsd: bigint): bigint {
  if (priceUsd < 0n) throw new RiskMathError("negative USD price", "range");
  return (amount * priceUsd) / 10n ** BigInt(decimals);
}

/**
 * The L1 data fee of a transaction of `unsignedTxBytes` in USD (8 decimals), rounded up: its upper bound on an
 * OP-stack chain, 0 elsewhere.
 *
 * @param unsignedTxBytes - Size of the unsigned RLP-encoded transaction.
 * @param gas - Gas market (its `l1` parameters, and the ETH price).
 * @returns USD, 8 decimals.
 */
export function l1FeeUsd(unsignedTxBytes: bigint | undefined, gas: GasMarket): bigint {
  if (!gas.l1 || unsignedTxBytes === undefined) return 0n;
  return divRoundingUp(opStackL1FeeUpperBound(unsignedTxBytes, gas.l1) * gas.ethUsd, 10n ** 18n);
}

/**
 * Gross, costs and net profit of an opportunity.
 *
 * @param opportunity - The opportunity.
 * @param gas - Gas market.
 * @param unsignedTxBytes - Size of the transaction that takes it (on an OP-stack chain its L1 data fee is a cost).
 * @returns Profit breakdown, USD 8 decimals.
 */
export function netProfit(opportunity: Opportunity, gas: GasMarket, unsignedTxBytes?: bigint): NetProfit {
  const grossUsd = opportunity.expectedProfitUsd;
  const l1Usd = l1FeeUsd(unsignedTxBytes, gas);
  const gasUsd = gasCostUsd(opportunity.gasEstimate, gas) + l1Usd;
  const fundingFeeUsd = opportunity.funding.feeUsd;
  const fundingFeeDeductedUsd = opportunity.funding.includedInProfit ? 0n : fundingFeeUsd;
  return {
    grossUsd,
    gasCostUsd: gasUsd,
    l1FeeUsd: l1Usd,
    fundingFeeUsd,
    fundingFeeDeductedUsd,
    netUsd: grossUsd - gasUsd - fundingFeeDeductedUsd,
  };
}

/**
 * Formats a USD amount with 8 decimals as dollars and cents, truncated toward zero
 * (42_000_000n -> "$0.42", -120_000_000n -> "-$1.20").
 *
 * @param usd - USD, 8 decimals.
 * @returns Display string.
 */
export function formatUsd(usd: bigint): string {
  const negative = usd < 0n;
  const cents = (negative ? -usd : usd) / 10n ** BigInt(USD_DECIMALS - 2);
  const text = `$${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
  return negative && cents !== 0n ? `-${text}` : text;
}
