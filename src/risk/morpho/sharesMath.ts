/**
 * Morpho Blue's SharesMathLib: asset/share conversions with virtual shares (1e6) and a virtual
 * asset (1), which keep an empty market's share price defined and make inflation attacks costly.
 */
import { mulDivDown, mulDivUp } from "./mathLib.js";

/** VIRTUAL_SHARES = 1e6. */
export const VIRTUAL_SHARES: bigint = 10n ** 6n;
/** VIRTUAL_ASSETS = 1. */
export const VIRTUAL_ASSETS: bigint = 1n;

/**
 * `toSharesDown`: assets quoted in shares, floored.
 *
 * @param assets - Asset amount.
 * @param totalAssets - Market total (supply or borrow) assets.
 * @param totalShares - Market total (supply or borrow) shares.
 * @returns Shares, rounded down.
 */
export function toSharesDown(assets: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivDown(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
}

/**
 * `toAssetsDown`: shares quoted in assets, floored.
 *
 * @param shares - Share amount.
 * @param totalAssets - Market total assets.
 * @param totalShares - Market total shares.
 * @returns Assets, rounded down.
 */
export function toAssetsDown(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivDown(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
}

/**
 * `toSharesUp`: assets quoted in shares, rounded up.
 *
 * @param assets - Asset amount.
 * @param totalAssets - Market total assets.
 * @param totalShares - Market total shares.
 * @returns Shares, rounded up.
 */
export function toSharesUp(assets: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivUp(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
}

/**
 * `toAssetsUp`: shares quoted in assets, rounded up (what a borrower owes for `shares`).
 *
 * @param shares - Share amount.
 * @param totalAssets - Market total assets.
 * @param totalShares - Market total shares.
 * @returns Assets, rounded up.
 */
export function toAssetsUp(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivUp(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
}
