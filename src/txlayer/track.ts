/**
 * The follow-up half of a send: tracking submitted intents block by block until each resolves into a SendOutcome.
 * One loop for any number of intents in flight, so each new head costs one TxSender.onBlock (receipts,
 * rebroadcasts, per-nonce replacement, gap filling) whatever their count.
 */
import type { SendOutcome } from "../executor/outcome.js";
import type { IntentRecord } from "../journal/types.js";
import type { TxContext } from "./context.js";
import { TxLayerError, TxUnresolvedError } from "./errors.js";
import { outcomeOfIntent } from "./outcome.js";

/** How long track follows a transaction, and what else runs at each new head. */
export interface TrackOptions {
  /** Blocks to follow it before handing control back (it stays journaled and tracked by onBlock). Default 30. */
  maxWaitBlocks?: number;
  /** Head poll interval while it is pending. */
  pollIntervalMs: number;
  signal?: AbortSignal;
  /** Called at each new head after the sender's own tracking (reorg checks, the safety gate's clock). */
  onHead?: (head: bigint) => Promise<void> | void;
}

/** trackAll's options: track's, and a hook called once per intent as soon as it resolves. */
export interface TrackAllOptions extends TrackOptions {
  onResolved?: (intentId: number, outcome: SendOutcome) => Promise<void> | void;
}

const FINAL = new Set(["mined", "reverted", "dropped", "abandoned", "reorged"]);

/**
 * Follows `intentIds` until each resolves or `maxWaitBlocks` pass from the highest head seen when called (then
 * `failed` with `pending`: it stays journaled and tracked). `onBlock` runs once per new head, then `onHead`;
 * `onResolved` once per intent, as soon as its outcome is known.
 */
export async function trackIntents(
  ctx: TxContext,
  onBlock: (head: bigint) => Promise<unknown>,
  intentIds: readonly number[],
  options: TrackAllOptions,
): Promise<Map<number, SendOutcome>> {
  const { journal, client } = ctx;
  const mustIntent = (id: number): IntentRecord => {
    const intent = journal.intent(id);
    if (!intent)
      throw new TxLayerError(`No intent ${id} in the journal: only intents this journal recorded can be tracked.`);
    return intent;
  };
  const out = new Map<number, SendOutcome>();
  const ids = [...new Set(intentIds)];
  const seen = ids.map((id) => mustIntent(id).blockSeen).reduce((a, b) => (a > b ? a : b), 0n);
  let last = ctx.lastHead > seen ? ctx.lastHead : seen;
  const deadline = last + BigInt(options.maxWaitBlocks ?? 30);
  const done = async (id: number, outcome: SendOutcome) => {
    out.set(id, outcome);
    await options.onResolved?.(id, outcome);
  };
  for (;;) {
    for (const id of ids) {
      const intent = mustIntent(id);
      if (!out.has(id) && FINAL.has(intent.state)) await done(id, await outcomeOf(ctx, intent));
    }
    if (out.size === ids.length) return out;
    if (options.signal?.aborted || last > deadline) {
      for (const id of ids) {
        if (out.has(id)) continue;
        const hash = journal.attempts(id).at(-1)?.hash;
        const error = new TxUnresolvedError(
          "pending",
          `no resolution after ${last - mustIntent(id).blockSeen} block(s); it stays journaled and tracked`,
        );
        await done(
          id,
          hash ? { status: "failed", hash, pending: true, error } : { status: "failed", pending: true, error },
        );
      }
      return out;
    }
    const head = await client.getBlockNumber({ cacheTime: 0 }).catch(() => last);
    if (head > last) {
      last = head;
      await onBlock(head);
      await options.onHead?.(head);
      continue;
    }
    await new Promise((res) => setTimeout(res, options.pollIntervalMs));
  }
}

/** The SendOutcome of a resolved intent (read from its receipt). */
export function outcomeOf(ctx: TxContext, intent: IntentRecord): Promise<SendOutcome> {
  const attempt = ctx.journal
    .attempts(intent.id)
    .find((a) => a.hash.toLowerCase() === intent.receipt?.hash.toLowerCase());
  return outcomeOfIntent(ctx.client, intent, attempt?.gasLimit ?? intent.simulation?.gasLimit ?? 0n);
}
