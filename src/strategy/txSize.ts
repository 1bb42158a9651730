import { serializeTransaction, size, type Address } from "viem";
import { encodeAction } from "../executor/actions.js";
import type { GasMarket } from "../risk/profit.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { Candidate, StrategyContext } from "./types.js";

// Placeholders as large as the keeper's real figures get, so the size is never under the signed transaction's:
// fields are RLP-encoded without leading zeros, so their values only change a few bytes.
const PLACEHOLDER = {
  type: "eip1559",
  chainId: 2 ** 31 - 1,
  nonce: 2 ** 32 - 1,
  gas: 2n ** 24n,
  maxFeePerGas: 10n ** 13n,
  maxPriorityFeePerGas: 10n ** 13n,
  to: "0xffffffffffffffffffffffffffffffffffffffff" as Address,
  value: 0n,
} as const;

/**
 * Size of the unsigned EIP-1559 transaction that sends a candidate's call to the executor: what an OP-stack chain's
 * L1 data fee is charged on (see risk/l1Fee.ts).
 */
export function unsignedTxBytes(candidate: Pick<Candidate, "action">): bigint {
  return BigInt(size(serializeTransaction({ ...PLACEHOLDER, data: encodeAction(candidate.action) })));
}

/** The gas market a snapshot plans at: its base fee, our priority fee, the WETH price, its L1 fee parameters. */
export function gasMarketAt(snapshot: Snapshot, ctx: StrategyContext): GasMarket {
  return {
    baseFeePerGas: snapshot.baseFeePerGas,
    priorityFeePerGas: ctx.priorityFeePerGas,
    ethUsd: snapshot.prices[ctx.wethToken]?.usd8 ?? 0n,
    ...(snapshot.l1Fee ? { l1: snapshot.l1Fee } : {}),
  };
}

/** The candidate's transaction size when the chain charges for it (an OP-stack L1 data fee), else undefined. */
export function txBytesIfCharged(gas: GasMarket, candidate: Pick<Candidate, "action">): bigint | undefined {
  return gas.l1 ? unsignedTxBytes(candidate) : undefined;
}
