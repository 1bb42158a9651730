/**
 * The transaction layer: one nonce stream, journaled sends, stuck-transaction replacement, reorg awareness,
 * retry by reason and restart reconciliation.
 *
 * How the keeper loop uses it, in order:
 *  at start
 *   1. `Journal.open(dataDir)`;
 *   2. `new NonceManager({ address, client, inFlight: () => journal.inFlightNonces(address) })`;
 *   3. `await reconcile(journal, client, { nonces })` - settles what a previous run left (receipts, drops,
 *      rebroadcasts of journaled bytes) and resyncs the nonce stream; BEFORE anything new is sent;
 *   4. `new TxSender(...)`, `new ReorgTracker({ client, journal, nonces, onReorg })`, `new RetryPolicy(...)`;
 *  on every new head
 *   5. `await sender.onBlock(head)` - resolutions (mined / reverted / dropped / abandoned) -> retry policy;
 *   6. `await tracker.check(head)` - reorged intents come back through `onReorg` for re-evaluation;
 *   7. per candidate: `retry.canAttempt(...)`, then `await sender.submit(...)` (it refuses an opportunity whose
 *      intent is unresolved); `skipped` / `send-failed` -> `retry.recordFailure` with their classification;
 *  at shutdown
 *   8. `journal.close()`.
 */
export { NonceManager, type NonceManagerOptions, type NonceState } from "./nonce.js";
export { TxSender, type TxSenderOptions, type SubmitParams, type SubmitResult, type Resolution } from "./sender.js";
export { DEFAULT_BUMP_BPS, DEFAULT_STUCK_BLOCKS, type TxContext, type TxEvent, type TxPolicy } from "./context.js";
export { bumpFees, highestFees, raiseBy, type BumpDecision, type BumpParams, type FeePair } from "./bump.js";
export { broadcastAttempt, classifyBroadcastError, signJournalBroadcast, type BroadcastErrorKind, type BroadcastResult, type TxRequest } from "./broadcast.js";
export { CANCEL_GAS, handleStuck, type StuckOutcome } from "./replace.js";
export { ReorgTracker, DEFAULT_CONFIRMATIONS, type ReorgReport, type ReorgTrackerOptions } from "./reorg.js";
export { RetryPolicy, DEFAULT_RETRY_CONFIG, seededRandom, type FailureInput, type RetryConfig, type RetryDecision, type RetryGate } from "./retry.js";
export { reconcile, type ReconcileOptions, type ReconcileReport } from "./reconcile.js";
export { findMined, receiptOf, type MinedAttempt } from "./receipts.js";
export { TxLayerError } from "./errors.js";
