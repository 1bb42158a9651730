/**
 * The L1 data fee of an OP-stack chain (Base, Optimism): every L2 transaction also pays for publishing its bytes on
 * L1, a fee the L2 gas price does not show and eth_estimateGas does not count. Since Fjord the predeploy
 * GasPriceOracle (0x420...0F) charges it from a compressed-size estimate; `getL1FeeUpperBound` bounds it from the
 * unsigned transaction's size alone, which is what a planner knows before it signs. This is that bound, to the wei
 * (GasPriceOracle.sol 1.3.0, @eth-optimism/contracts-bedrock).
 */

/** The GasPriceOracle's (L1Block's) fee parameters at a block, as its view functions return them. */
export interface OpStackL1FeeParams {
  /** `l1BaseFee()`: the L1 base fee, wei. */
  l1BaseFee: bigint;
  /** `blobBaseFee()`: the L1 blob base fee, wei. */
  blobBaseFee: bigint;
  /** `baseFeeScalar()`. */
  baseFeeScalar: bigint;
  /** `blobBaseFeeScalar()`. */
  blobBaseFeeScalar: bigint;
}

/** GasPriceOracle.DECIMALS: the scalars carry 6 decimals. */
const DECIMALS = 6n;
// Fjord's linear regression from the FastLZ size to the Brotli size (GasPriceOracle.sol constants).
const COST_INTERCEPT = -42_585_600n;
const COST_FASTLZ_COEF = 836_500n;
const MIN_TRANSACTION_SIZE = 100n;

/** `_fjordL1Cost`: the L1 fee of a transaction whose FastLZ-compressed size is `fastLzSize`, wei (rounded down). */
export function fjordL1Cost(fastLzSize: bigint, p: OpStackL1FeeParams): bigint {
  let estimatedSize = COST_INTERCEPT + COST_FASTLZ_COEF * fastLzSize;
  if (estimatedSize < MIN_TRANSACTION_SIZE * 1_000_000n) estimatedSize = MIN_TRANSACTION_SIZE * 1_000_000n;
  const feeScaled = p.baseFeeScalar * 16n * p.l1BaseFee + p.blobBaseFeeScalar * p.blobBaseFee;
  return (estimatedSize * feeScaled) / 10n ** (DECIMALS * 2n);
}

/**
 * `getL1FeeUpperBound(unsignedTxSize)`: the most L1 fee a transaction of that many unsigned RLP bytes pays (the
 * signature's 68 bytes added, FastLZ's practical worst case assumed), wei.
 *
 * @param unsignedTxSize - Bytes of the unsigned, RLP-encoded transaction.
 * @param p - The oracle's fee parameters at the block.
 * @returns Upper bound of the L1 data fee, wei.
 */
export function opStackL1FeeUpperBound(unsignedTxSize: bigint, p: OpStackL1FeeParams): bigint {
  const txSize = unsignedTxSize + 68n;
  return fjordL1Cost(txSize + txSize / 255n + 16n, p);
}
