/**
 * Morpho Blue `_accrueInterest`. Every liquidation accrues first, so sizing from a state read a
 * few seconds earlier must replay the accrual or it under-estimates the debt by the interest.
 */
import type { Address } from "viem";
import { RiskMathError } from "../errors.js";
import { MAX_UINT128 } from "../math/uint.js";
import { wMulDown, wTaylorCompounded } from "./mathLib.js";
import { toSharesDown } from "./sharesMath.js";
import type { MorphoMarketState } from "./types.js";

/** Market state after accrual, with the two quantities the AccrueInterest event reports. */
export interface MorphoAccrual {
  /** State after `_accrueInterest`, `lastUpdate` set to the timestamp. */
  market: MorphoMarketState;
  /** Interest added to both total borrow and total supply assets. */
  interest: bigint;
  /** Supply shares minted to the fee recipient. */
  feeShares: bigint;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

function toUint128(x: bigint, label: string): bigint {
  if (x > MAX_UINT128) throw new RiskMathError(`${label} exceeds uint128`, "max uint128 exceeded");
  return x;
}

/**
 * Replays `_accrueInterest` at `timestamp`. A market whose IRM is address(0) never accrues
 * interest, but its `lastUpdate` still moves forward.
 *
 * @param params - Market state, the market's IRM address, the IRM's `borrowRate` (per second, wad)
 *   for that state, and the block timestamp of the simulated call.
 * @returns The accrued state, interest and fee shares.
 */
export function accrueMorphoInterest(params: {
  market: MorphoMarketState;
  irm: Address;
  borrowRate: bigint;
  timestamp: bigint;
}): MorphoAccrual {
  const { market, irm, borrowRate, timestamp } = params;
  if (timestamp < market.lastUpdate) {
    throw new RiskMathError(`timestamp ${timestamp} is before lastUpdate ${market.lastUpdate}`, "underflow");
  }
  const elapsed = timestamp - market.lastUpdate;
  if (elapsed === 0n) return { market: { ...market }, interest: 0n, feeShares: 0n };
  if (irm.toLowerCase() === ZERO_ADDRESS) {
    return { market: { ...market, lastUpdate: timestamp }, interest: 0n, feeShares: 0n };
  }

  const interest = toUint128(wMulDown(market.totalBorrowAssets, wTaylorCompounded(borrowRate, elapsed)), "interest");
  const totalBorrowAssets = toUint128(market.totalBorrowAssets + interest, "totalBorrowAssets");
  const totalSupplyAssets = toUint128(market.totalSupplyAssets + interest, "totalSupplyAssets");

  let feeShares = 0n;
  if (market.fee !== 0n) {
    const feeAmount = wMulDown(interest, market.fee);
    // Supply already includes the fee amount; shares are priced as if it were not there yet.
    feeShares = toSharesDown(feeAmount, totalSupplyAssets - feeAmount, market.totalSupplyShares);
  }
  return {
    market: {
      ...market,
      totalBorrowAssets,
      totalSupplyAssets,
      totalSupplyShares: toUint128(market.totalSupplyShares + feeShares, "totalSupplyShares"),
      lastUpdate: timestamp,
    },
    interest,
    feeShares,
  };
}
