/**
 * Filling a nonce gap. With several transactions in flight, a refused broadcast at nonce N can leave N free under
 * N+1.. that are already in a mempool (see nonce.ts): they can only be mined once something takes N. The next
 * candidate's send takes it if there is one; when the tracker's next block finds it still open, this sends a
 * 0-value self-transfer at N (21,000 gas at the market fee), journaled as its own intent like any transaction, so
 * it is tracked, bumped when stuck, and rebroadcast after a restart. Like a replacement or a cancel, it is upkeep of
 * sends the safety gate already approved, not a new send: it is not asked.
 */
import { feesFromBaseFee } from "../executor/fees.js";
import { signJournalBroadcast } from "./broadcast.js";
import { CANCEL_GAS } from "./replace.js";
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
