/**
 * Fees of a replacement (same nonce): both fee fields raised by at least `bumpBps` over the highest sent so far at
 * that nonce (nodes refuse a replacement that does not raise both by 10%), up to what the market needs now, and
 * never above the operator's cap or what the expected profit can pay for (gasLimit * maxFeePerGas <= profit).
 */

/** EIP-1559 fee fields. */
export interface FeePair {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface BumpParams {
  /** Highest fees already sent (or refused as underpriced) at the nonce. */
  previous: FeePair;
  /** Fees a fresh send would use now (feesFromBaseFee of the latest base fee). */
  market: FeePair;
  gasLimit: bigint;
  maxFeeCapWei: bigint;
  /** The most the transaction may cost; undefined for a cancel, which has no profit to protect. */
  expectedProfitWei?: bigint;
  bumpBps: bigint;
}

export type BumpDecision =
  | ({ ok: true } & FeePair)
  | {
      ok: false;
      /** Which limit stops the bump: the operator's cap, or gasLimit * maxFee > expected profit. */
      reason: "fee-cap" | "profit-bound";
      /** The least replacement fees the node would accept. */
      needed: FeePair;
      /** The highest maxFeePerGas allowed. */
      limit: bigint;
    };

/** x raised by `bps`, rounded up, and by at least 1 wei so a zero tip still moves. */
export function raiseBy(x: bigint, bps: bigint): bigint {
  const raised = (x * (10_000n + bps) + 9_999n) / 10_000n;
  return raised > x ? raised : x + 1n;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The replacement fees, or which limit forbids them. See the module comment. */
export function bumpFees(p: BumpParams): BumpDecision {
  const needed: FeePair = {
    maxFeePerGas: raiseBy(p.previous.maxFeePerGas, p.bumpBps),
    maxPriorityFeePerGas: raiseBy(p.previous.maxPriorityFeePerGas, p.bumpBps),
  };
  const profitLimit =
    p.expectedProfitWei === undefined ? undefined : p.gasLimit > 0n ? p.expectedProfitWei / p.gasLimit : 0n;
  const limit = profitLimit === undefined ? p.maxFeeCapWei : min(p.maxFeeCapWei, profitLimit);
  // The tip can never exceed the fee cap, so both needed fields must fit under the limit.
  const floor = max(needed.maxFeePerGas, needed.maxPriorityFeePerGas);
  if (floor > limit) {
    const reason = floor > p.maxFeeCapWei ? "fee-cap" : "profit-bound";
    return { ok: false, reason, needed, limit };
  }
  const tip = max(needed.maxPriorityFeePerGas, p.market.maxPriorityFeePerGas);
  const maxFeePerGas = min(max(max(needed.maxFeePerGas, p.market.maxFeePerGas), tip), limit);
  return { ok: true, maxFeePerGas, maxPriorityFeePerGas: min(tip, maxFeePerGas) };
}

/** The highest fees among `attempts` (field by field): what a replacement must beat. */
export function highestFees(attempts: readonly FeePair[]): FeePair {
  return attempts.reduce<FeePair>(
    (acc, a) => ({
      maxFeePerGas: max(acc.maxFeePerGas, a.maxFeePerGas),
      maxPriorityFeePerGas: max(acc.maxPriorityFeePerGas, a.maxPriorityFeePerGas),
    }),
    { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n },
  );
}
