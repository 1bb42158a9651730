/**
 * EIP-1559 fees for executor transactions, and the guard that keeps gas below profit. Fees come from the latest
 * block's base fee rather than eth_maxPriorityFeePerGas/eth_feeHistory heuristics, so they are reproducible and
 * bounded by configuration: the keeper decides its tip and its ceiling, the node does not.
 */
import type { Chain, PublicClient, Transport } from "viem";
import { KeeperError } from "../errors.js";

/** The operator's fee policy, in wei per gas. */
export interface FeeConfig {
  /** Tip offered to the block builder. */
  priorityFeePerGas: bigint;
  /** Hard ceiling on maxFeePerGas, whatever the base fee does. */
  maxFeePerGasCap: bigint;
}

/** Fees for one transaction, in wei per gas, with the base fee they were derived from. */
export interface Eip1559Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** Base fee of the block the fees were computed from. */
  baseFeePerGas: bigint;
  /** True when the cap lowered maxFeePerGas below 2 * baseFee + priority. */
  capped: boolean;
}

/** The chain has no base fee (pre-London) or the configuration is not usable. */
export class FeeConfigError extends KeeperError {
  override name = "FeeConfigError";
}

/**
 * maxFeePerGas = 2 * baseFee + priority, capped at `maxFeePerGasCap`. Twice the base fee survives six full blocks
 * of +12.5% base-fee growth, so the transaction stays includable while it waits, and the sender still only pays
 * baseFee + priority. The tip is capped by maxFeePerGas too, since EIP-1559 rejects a tip above the fee cap.
 */
export function feesFromBaseFee(baseFeePerGas: bigint, config: FeeConfig): Eip1559Fees {
  if (config.priorityFeePerGas < 0n || config.maxFeePerGasCap <= 0n) {
    throw new FeeConfigError("Invalid fee configuration.", {
      metaMessages: ["priorityFeePerGas must be >= 0 and maxFeePerGasCap > 0 (wei per gas)."],
    });
  }
  const wanted = 2n * baseFeePerGas + config.priorityFeePerGas;
  const maxFeePerGas = wanted < config.maxFeePerGasCap ? wanted : config.maxFeePerGasCap;
  const maxPriorityFeePerGas = config.priorityFeePerGas < maxFeePerGas ? config.priorityFeePerGas : maxFeePerGas;
  return { maxFeePerGas, maxPriorityFeePerGas, baseFeePerGas, capped: wanted > config.maxFeePerGasCap };
}

/** EIP-1559 fees from the latest block's base fee and the operator's policy (see feesFromBaseFee). */
export async function getExecutorFees(client: PublicClient<Transport, Chain>, config: FeeConfig): Promise<Eip1559Fees> {
  const block = await client.getBlock({ blockTag: "latest" });
  if (block.baseFeePerGas === null || block.baseFeePerGas === undefined) {
    throw new FeeConfigError("The chain's latest block has no base fee: EIP-1559 transactions are not supported.");
  }
  return feesFromBaseFee(block.baseFeePerGas, config);
}

/** Worst-case cost of a transaction in wei: every unit of the gas limit at the full fee cap. */
export function gasCostWei(gas: bigint, fees: { maxFeePerGas: bigint }): bigint {
  return gas * fees.maxFeePerGas;
}

/**
 * True when the worst-case gas cost (gasLimit * maxFeePerGas) does not exceed the expected profit, both in wei.
 * The caller converts the profit to wei (the executor pays out in tokens); a zero or negative profit never
 * justifies a non-zero cost.
 */
export function gasWithinProfit(params: {
  gasLimit: bigint;
  maxFeePerGas: bigint;
  expectedProfitWei: bigint;
}): boolean {
  return gasCostWei(params.gasLimit, params) <= params.expectedProfitWei;
}
