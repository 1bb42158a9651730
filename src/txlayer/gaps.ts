/**
 * Filling nonce gaps, of two kinds.
 *
 * A free nonce under later in-flight ones (fillNonceGap). With several transactions in flight, a refused broadcast
 * at nonce N can leave N free under N+1.. that are already in a mempool (see nonce.ts): they can only be mined once
 * something takes N. The next candidate's send takes it if there is one; when the tracker's next block finds it
 * still open, this sends a 0-value self-transfer at N (21,000 gas at the market fee), journaled as its own intent
 * like any transaction, so it is tracked, bumped when stuck, and rebroadcast after a restart. Like a replacement or
 * a cancel, it is upkeep of sends the safety gate already approved, not a new send: it is not asked.
 *
 * A nonce an intent holds with no live transaction (refillOrphan): its first send was lost in transport (journaled,
 * left `signed`) and the rebroadcast of those bytes was refused, so every transaction of the intent is `failed`, the
 * node knows none, and the journal still holds the intent (and its nonce N) open: N+1.. queue behind it forever.
 * The tracker takes N again for the same intent: the action is re-simulated first (never sent without a
 * simulation) and re-signed at N with the same calldata and gas limit, within the budget a bump has (replace.ts:
 * the lower of the first and the fresh profit, minus the floor); when it would revert, does not pay for its gas,
 * was given up already (a cancel among its transactions) or the kill switch is engaged, N is filled with a cancel
 * (0-value self-transfer) instead, so the later nonces can be mined.
 */
import { feesFromBaseFee } from "../executor/fees.js";
import type { PendingIntent } from "../journal/types.js";
import { signJournalBroadcast, type BroadcastResult } from "./broadcast.js";
import { highestFees } from "./bump.js";
import { CANCEL_GAS, cancel, marketFees, type StuckOutcome } from "./replace.js";
import { budgetedBump, describeBudget, resimulate } from "./resimulate.js";
import type { TxContext } from "./context.js";

/** The actionKind of a gap filler's intent (its opportunityId is `nonce-gap:<from>:<nonce>`). */
export const GAP_FILL_KIND = "fill-nonce-gap";

/** What fillNonceGap did. */
export type GapFill =
  | { status: "none" }
  | { status: "filled"; nonce: number; intentId: number; hash: `0x${string}` }
  | { status: "refused"; nonce: number; intentId: number; message: string };

/** Fills the lowest open gap, if any (one per call: a refused fill is retried next block). */
export async function fillNonceGap(ctx: TxContext, head: bigint): Promise<GapFill> {
  const nonce = await ctx.nonces.reserveGap();
  if (nonce === undefined) return { status: "none" };
  const { journal, account } = ctx;
  let intentId: number | undefined;
  try {
    const block = await ctx.client.getBlock({ blockTag: "latest" });
    const fees = feesFromBaseFee(block.baseFeePerGas ?? 0n, {
      priorityFeePerGas: ctx.policy.priorityFeePerGas,
      maxFeePerGasCap: ctx.policy.maxFeeCapWei,
    });
    intentId = journal.recordIntent({
      opportunityId: `nonce-gap:${account.address}:${nonce}`,
      actionKind: GAP_FILL_KIND,
      from: account.address,
      to: account.address,
      calldata: "0x",
      blockSeen: head,
      expectedProfitWei: 0n,
    }).id;
    const result = await signJournalBroadcast(ctx, intentId, {
      kind: "cancel",
      nonce,
      to: account.address,
      data: "0x",
      value: 0n,
      gasLimit: CANCEL_GAS,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    if (result.status !== "refused") {
      ctx.nonces.confirm(nonce);
      ctx.emit({ type: "gap-filled", intentId, hash: result.attempt.hash, nonce });
      return { status: "filled", nonce, intentId, hash: result.attempt.hash };
    }
    // Taken by a transaction we do not know: it is no gap any more, and the stream must learn where the chain is.
    if (result.kind === "nonce-too-low") {
      ctx.nonces.confirm(nonce);
      await ctx.nonces.resync();
    } else ctx.nonces.release(nonce);
    journal.finalize(intentId, "abandoned", `gap filler refused (${result.kind}): ${result.message}`);
    return { status: "refused", nonce, intentId, message: result.message };
  } catch (err) {
    // Journaled bytes keep their nonce (the tracker rebroadcasts them); anything earlier frees it again.
    if (intentId !== undefined && journal.attempts(intentId).some((a) => a.state !== "failed"))
      ctx.nonces.confirm(nonce);
    else {
      ctx.nonces.release(nonce);
      if (intentId !== undefined)
        journal.finalize(
          intentId,
          "abandoned",
          `gap filler not sent: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        );
    }
    throw err;
  }
}

/** What refillOrphan did: the action re-signed at its nonce, or what handleStuck's outcomes say. */
export type OrphanRefill = { action: "resigned"; result: BroadcastResult } | StuckOutcome;

/** True when none of the intent's transactions is `signed` or `broadcast`: no node is known to hold one. */
export function isOrphan(intent: PendingIntent): boolean {
  return intent.nonce !== undefined && !intent.attempts.some((a) => a.state === "signed" || a.state === "broadcast");
}

/** Takes the nonce of an intent no node holds a transaction of; see the module comment. */
export async function refillOrphan(ctx: TxContext, intent: PendingIntent): Promise<OrphanRefill> {
  const nonce = intent.nonce!;
  await ctx.nonces.claim(nonce);
  const previous = highestFees(intent.attempts);
  const market = await marketFees(ctx);
  const fill = (why: "doomed" | "capped" | "halted", reason: string) =>
    cancel(ctx, intent, previous, market, undefined, why, `no node holds a transaction at nonce ${nonce}; ${reason}`);
  const action = [...intent.attempts].reverse().find((a) => a.kind !== "cancel");
  if (!action || intent.attempts.some((a) => a.kind === "cancel")) return fill("doomed", "the action was given up");
  const halted = ctx.halted?.();
  if (halted) return fill("halted", `kill switch engaged: ${halted}`);

  const verdict = await resimulate(ctx, intent);
  if (verdict.status === "unknown")
    return { action: "wait", reason: `re-simulation failed (${verdict.message}); nothing sent this block` };
  if (verdict.status === "reverts") return fill("doomed", `the action would now revert: ${verdict.message}`);
  const { budget, bump: fees } = budgetedBump(ctx, intent, {
    previous,
    market,
    gasLimit: action.gasLimit,
    freshProfit: verdict.profit,
  });
  if (!fees.ok)
    return fill(
      "capped",
      `re-signing it would cost up to ${action.gasLimit * fees.needed.maxFeePerGas} wei (budget ${describeBudget(budget)}, fee cap ${ctx.policy.maxFeeCapWei})`,
    );
  const result = await signJournalBroadcast(ctx, intent.id, {
    kind: "replacement",
    nonce,
    to: intent.to,
    data: intent.calldata,
    value: 0n,
    gasLimit: action.gasLimit,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  if (result.status !== "refused")
    ctx.emit({ type: "resigned", intentId: intent.id, hash: result.attempt.hash, nonce });
  return { action: "resigned", result };
}
