/**
 * What a transaction already in flight is worth now. Before the layer pays more for an intent's nonce (a fee bump,
 * or re-signing an action no node holds any more) it calls the action again on the latest block: the state may have
 * moved since the first send (a competitor, a price update), and the gas budget must follow what the action would
 * pay now, not what it would have paid then.
 */
import { decodeAbiParameters, type Hex } from "viem";
import { decodeExecutorError, ExecutorRevertError } from "../executor/errors.js";
import type { IntentRecord } from "../journal/types.js";
import { bumpFees, type BumpDecision, type FeePair } from "./bump.js";
import type { TxContext } from "./context.js";

/** What the re-simulation says: the fresh profit (profit-token units), a revert, or no answer (RPC trouble). */
export type Resimulation =
  { status: "ok"; profit: bigint } | { status: "reverts"; message: string } | { status: "unknown"; message: string };

/**
 * eth_call of the intent's calldata from the keeper on the latest block. Every executor entry point returns the
 * profit it paid (one uint256); a call returning anything else counts as profit 0.
 */
export async function resimulate(ctx: TxContext, intent: IntentRecord): Promise<Resimulation> {
  try {
    const { data } = await ctx.client.call({
      account: intent.from,
      to: intent.to,
      data: intent.calldata,
      blockTag: "latest",
    });
    return { status: "ok", profit: profitOf(data) };
  } catch (err) {
    const e = decodeExecutorError(err, "Re-simulation");
    return { status: e instanceof ExecutorRevertError ? "reverts" : "unknown", message: e.shortMessage };
  }
}

function profitOf(data: Hex | undefined): bigint {
  if (!data || data.length < 66) return 0n;
  return decodeAbiParameters([{ type: "uint256" }], data)[0];
}

/** The gas budget of a transaction at the intent's nonce, and how it was reached (for the journal's reason). */
export interface GasBudget {
  /** The most gasLimit x maxFeePerGas may be, in wei; 0 or less: nothing is worth paying. */
  wei: bigint;
  /** Expected profit priced at the first send. */
  firstWei: bigint;
  /** The fresh profit priced at the first send's rate (same token, same calldata). */
  freshWei: bigint;
  /** The keeper's floor taken off (TxPolicy.minProfitFloorWei). */
  floorWei: bigint;
}

/**
 * min(profit priced at the first send, fresh profit at the same rate) - the floor. The rate is the first send's:
 * expectedProfitWei / simulated profit (raw token units), so a fresh profit half the first one halves the budget.
 * An intent without a recorded simulation (nothing to scale by) keeps the first send's figure.
 */
export function gasBudget(intent: IntentRecord, freshProfit: bigint, floorWei: bigint): GasBudget {
  const firstWei = intent.expectedProfitWei;
  const firstProfit = intent.simulation?.profit ?? 0n;
  const freshWei = firstProfit > 0n ? (freshProfit * firstWei) / firstProfit : firstWei;
  const lower = freshWei < firstWei ? freshWei : firstWei;
  return { wei: lower - floorWei, firstWei, freshWei, floorWei };
}

/**
 * The fees a new transaction at the intent's nonce (a replacement, a re-sign) would need, bounded by the operator's
 * cap and by the intent's gas budget given its fresh re-simulated profit.
 */
export function budgetedBump(
  ctx: TxContext,
  intent: IntentRecord,
  p: { previous: FeePair; market: FeePair; gasLimit: bigint; freshProfit: bigint },
): { budget: GasBudget; bump: BumpDecision } {
  const budget = gasBudget(intent, p.freshProfit, ctx.policy.minProfitFloorWei);
  const bump = bumpFees({
    previous: p.previous,
    market: p.market,
    gasLimit: p.gasLimit,
    maxFeeCapWei: ctx.policy.maxFeeCapWei,
    expectedProfitWei: budget.wei,
    bumpBps: ctx.policy.bumpBps,
  });
  return { budget, bump };
}

/** The budget in words, for a journal reason. */
export function describeBudget(b: GasBudget): string {
  return `${b.wei} wei (min(expected profit ${b.firstWei}, fresh ${b.freshWei}) - floor ${b.floorWei})`;
}
