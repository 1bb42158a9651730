const WAD = 10n ** 18n;

/**
 * A health factor (wad) for people, 4 decimals. Aave reports 2^256-1 for an account without debt; anything past
 * 1e12 (that, or dust debt left by a full liquidation) reads "no debt".
 */
export function formatHealthFactor(hf: bigint): string {
  return hf >= 10n ** 30n ? "no debt" : (Number((hf * 10_000n) / WAD) / 10_000).toFixed(4);
}
