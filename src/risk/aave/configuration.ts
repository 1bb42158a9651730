/**
 * Decoder for Aave V3's packed `ReserveConfigurationMap` (the uint256 `Pool.getConfiguration`
 * returns), so one storage read gives every liquidation parameter without the data provider.
 */

/** Fields of the reserve configuration bitmap, in ReserveConfiguration.sol's bit layout. */
export interface AaveReserveConfiguration {
  /** bits 0-15, bps. */
  ltv: bigint;
  /** bits 16-31, bps. */
  liquidationThreshold: bigint;
  /** bits 32-47, bps including principal (10500 = 5% bonus). */
  liquidationBonus: bigint;
  /** bits 48-55. */
  decimals: number;
  /** bit 56. */
  active: boolean;
  /** bit 57. */
  frozen: boolean;
  /** bit 58. */
  borrowingEnabled: boolean;
  /** bit 59. */
  stableBorrowingEnabled: boolean;
  /** bit 60. */
  paused: boolean;
  /** bit 61. */
  borrowableInIsolation: boolean;
  /** bit 62. */
  siloedBorrowing: boolean;
  /** bit 63. */
  flashLoanEnabled: boolean;
  /** bits 64-79, bps. */
  reserveFactor: bigint;
  /** bits 80-115, whole tokens (0 = no cap). */
  borrowCap: bigint;
  /** bits 116-151, whole tokens (0 = no cap). */
  supplyCap: bigint;
  /** bits 152-167, bps of the liquidation bonus. */
  liquidationProtocolFee: bigint;
  /** bits 168-175. */
  eModeCategory: number;
  /** bits 176-211, whole tokens. */
  unbackedMintCap: bigint;
  /** bits 212-251, with 2 decimals (DEBT_CEILING_DECIMALS). */
  debtCeiling: bigint;
}

function bits(data: bigint, start: bigint, width: bigint): bigint {
  return (data >> start) & ((1n << width) - 1n);
}

/**
 * Unpacks `ReserveConfigurationMap.data` exactly as ReserveConfiguration's getters do.
 *
 * @param data - The configuration word from `Pool.getConfiguration(asset)`.
 * @returns Every field of the bitmap.
 */
export function decodeAaveReserveConfiguration(data: bigint): AaveReserveConfiguration {
  return {
    ltv: bits(data, 0n, 16n),
    liquidationThreshold: bits(data, 16n, 16n),
    liquidationBonus: bits(data, 32n, 16n),
    decimals: Number(bits(data, 48n, 8n)),
    active: bits(data, 56n, 1n) === 1n,
    frozen: bits(data, 57n, 1n) === 1n,
    borrowingEnabled: bits(data, 58n, 1n) === 1n,
    stableBorrowingEnabled: bits(data, 59n, 1n) === 1n,
    paused: bits(data, 60n, 1n) === 1n,
    borrowableInIsolation: bits(data, 61n, 1n) === 1n,
    siloedBorrowing: bits(data, 62n, 1n) === 1n,
    flashLoanEnabled: bits(data, 63n, 1n) === 1n,
    reserveFactor: bits(data, 64n, 16n),
    borrowCap: bits(data, 80n, 36n),
    supplyCap: bits(data, 116n, 36n),
    liquidationProtocolFee: bits(data, 152n, 16n),
    eModeCategory: Number(bits(data, 168n, 8n)),
    unbackedMintCap: bits(data, 176n, 36n),
    debtCeiling: bits(data, 212n, 40n),
  };
}
