/**
 * What to do with a transaction stuck for `stuckBlocks` blocks: replace it (same nonce, same calldata, fees raised
 * by >= 12.5%), cancel it (0-value self-transfer at the same nonce), or let it ride.
 *
 * The action is first re-simulated (eth_call on the latest block). Its fresh profit bounds the bump: the gas budget
 * is the lower of the profit priced at the first send and the fresh one (at the first send's rate), minus the
 * keeper's floor (TxPolicy.minProfitFloorWei); a bump over it is refused like one over the fee cap (ride, or cancel
 * with cancelWhenCapped). If the action would now revert - someone else liquidated first, the profit fell under the
 * on-chain floor - bumping would only pay more for a revert. The nonce has to be freed either way (every later send
 * queues behind it), and whatever frees it now pays the fee that gets a transaction included now. So both options
 * are priced at that same fee per gas:
 *  - cancel: 21,000 gas (a 0-value self-transfer at the nonce);
 *  - let the doomed call revert: up to its gas limit (a revert is not metered by eth_call, so its exact gas is not
 *    known in advance; liquidations fail after Aave's checks and the flash swap, far above 21,000 gas).
 * The cheaper wins, which for executor calls (limits of several 100k gas) is always the cancel; the call rides
 * (is left at its fees, to revert whenever it is mined) only when even a cancel would exceed the fee cap.
 * Letting it ride at its old low fee is not counted as cheaper: it keeps the nonce stream blocked until the base
 * fee falls, and then still pays for the revert.
 *
 * While the operator's kill switch is engaged (TxContext.halted), no replacement goes out: a stuck action is
 * cancelled instead (a cancel sends nothing the gate would refuse; it only takes the nonce back).
 */
import { feesFromBaseFee } from "../executor/fees.js";
import type { AttemptRecord, PendingIntent } from "../journal/types.js";
import { signJournalBroadcast, type BroadcastResult } from "./broadcast.js";
import { bumpFees, highestFees, type FeePair } from "./bump.js";
import type { TxContext } from "./context.js";
import { budgetedBump, describeBudget, resimulate } from "./resimulate.js";

/** Gas of a plain ETH transfer: the cancel. */
export const CANCEL_GAS = 21_000n;

/** What handleStuck did. */
export type StuckOutcome =
  | { action: "replaced"; result: BroadcastResult }
  | { action: "cancelled"; why: CancelWhy; result: BroadcastResult }
  | { action: "ride"; reason: string }
  | { action: "wait"; reason: string };

/** Why a cancel was sent: the action would revert, a bump is over a limit, or the kill switch is engaged. */
export type CancelWhy = "doomed" | "capped" | "halted";

/** The fees a fresh send would use now. */
export async function marketFees(ctx: TxContext): Promise<FeePair> {
  const block = await ctx.client.getBlock({ blockTag: "latest" });
  return feesFromBaseFee(block.baseFeePerGas ?? 0n, {
    priorityFeePerGas: ctx.policy.priorityFeePerGas,
    maxFeePerGasCap: ctx.policy.maxFeeCapWei,
  });
}

/** Replaces, cancels or leaves the stuck intent; see the module comment. */
export async function handleStuck(ctx: TxContext, intent: PendingIntent): Promise<StuckOutcome> {
  const nonce = intent.nonce!;
  const previous = highestFees(intent.attempts);
  const market = await marketFees(ctx);
  const live = intent.attempts.filter((a) => a.state === "signed" || a.state === "broadcast");
  const action =
    [...live].reverse().find((a) => a.kind !== "cancel") ?? intent.attempts.find((a) => a.kind !== "cancel");

  // A cancel already in flight is only ever bumped as a cancel: the action was given up (or there never was one:
  // a nonce-gap filler, gaps.ts).
  if (live.some((a) => a.kind === "cancel"))
    return cancel(ctx, intent, previous, market, action, "doomed", "bumping the pending cancel");
  if (!action) return { action: "wait", reason: "no action transaction to replace" };
  const halted = ctx.halted?.();
  if (halted) return cancel(ctx, intent, previous, market, undefined, "halted", `kill switch engaged: ${halted}`);

  const verdict = await resimulate(ctx, intent);
  if (verdict.status === "unknown")
    return { action: "wait", reason: `re-simulation failed (${verdict.message}); nothing bumped this block` };
  if (verdict.status === "reverts") {
    return cancel(ctx, intent, previous, market, action, "doomed", `the action would now revert: ${verdict.message}`);
  }

  const { budget, bump } = budgetedBump(ctx, intent, {
    previous,
    market,
    gasLimit: action.gasLimit,
    freshProfit: verdict.profit,
  });
  if (!bump.ok) {
    const why =
      bump.reason === "fee-cap"
        ? `the next bump (maxFeePerGas ${bump.needed.maxFeePerGas}) is above the fee cap ${ctx.policy.maxFeeCapWei}`
        : `the next bump would cost up to ${action.gasLimit * bump.needed.maxFeePerGas} wei, above the expected profit (the lower of the first send's and the fresh simulation's, less the floor)`;
    if (ctx.policy.cancelWhenCapped)
      return cancel(ctx, intent, previous, market, action, "capped", `${why}: budget ${describeBudget(budget)}`);
    // The budget's figures move every block (the fresh profit): journaled as detail, so the reason is noted once.
    return ride(ctx, intent, `bump-capped: ${why}`, { budgetWei: budget.wei, budget: describeBudget(budget) });
  }
  const result = await signJournalBroadcast(ctx, intent.id, {
    kind: "replacement",
    nonce,
    to: intent.to,
    data: intent.calldata,
    value: 0n,
    gasLimit: action.gasLimit,
    maxFeePerGas: bump.maxFeePerGas,
    maxPriorityFeePerGas: bump.maxPriorityFeePerGas,
  });
  if (result.status !== "refused") {
    ctx.emit({
      type: "replaced",
      intentId: intent.id,
      hash: result.attempt.hash,
      nonce,
      maxFeePerGas: bump.maxFeePerGas,
      maxPriorityFeePerGas: bump.maxPriorityFeePerGas,
    });
  }
  return { action: "replaced", result };
}

/**
 * Sends a 0-value self-transfer at the intent's nonce, if it fits under the cap and (for a doomed `action`) beats
 * letting it ride. Also used for an intent no node holds a transaction of (gaps.ts): pass no `action` then.
 */
export async function cancel(
  ctx: TxContext,
  intent: PendingIntent,
  previous: FeePair,
  market: FeePair,
  action: AttemptRecord | undefined,
  why: CancelWhy,
  reason: string,
): Promise<StuckOutcome> {
  const fees = bumpFees({
    previous,
    market,
    gasLimit: CANCEL_GAS,
    maxFeeCapWei: ctx.policy.maxFeeCapWei,
    bumpBps: ctx.policy.bumpBps,
  });
  if (!fees.ok)
    return ride(
      ctx,
      intent,
      `${reason}; a cancel would need maxFeePerGas ${fees.needed.maxFeePerGas}, above the fee cap`,
    );
  // Same fee per gas for both: see the module comment.
  const cancelWorst = CANCEL_GAS * fees.maxFeePerGas;
  const rideWorst = (action?.gasLimit ?? 0n) * fees.maxFeePerGas;
  if (action && why === "doomed" && cancelWorst >= rideWorst) {
    return ride(
      ctx,
      intent,
      `${reason}; letting it revert (worst ${rideWorst} wei) costs no more than a cancel (worst ${cancelWorst} wei)`,
    );
  }
  ctx.journal.note(
    intent.id,
    "cancel-decision",
    { why, reason, cancelWorstWei: cancelWorst, rideWorstWei: rideWorst },
    reason,
  );
  const result = await signJournalBroadcast(ctx, intent.id, {
    kind: "cancel",
    nonce: intent.nonce!,
    to: ctx.account.address,
    data: "0x",
    value: 0n,
    gasLimit: CANCEL_GAS,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  if (result.status !== "refused")
    ctx.emit({ type: "cancelled", intentId: intent.id, hash: result.attempt.hash, nonce: intent.nonce!, reason });
  return { action: "cancelled", why, result };
}

/** Leaves the transaction at its fees; journaled once per reason, not every block. */
function ride(
  ctx: TxContext,
  intent: PendingIntent,
  reason: string,
  detail: Record<string, unknown> = {},
): StuckOutcome {
  if (intent.reason !== reason) {
    ctx.journal.note(intent.id, "riding", { reason, ...detail }, reason);
    ctx.emit({ type: "riding", intentId: intent.id, reason });
  }
  return { action: "ride", reason };
}
