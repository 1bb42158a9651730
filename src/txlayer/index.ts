/**
 * The transaction layer: the guards (simulation, fee cap, gas within profit), one nonce stream, journaled sends,
 * tracking to a typed outcome, stuck-transaction replacement, reorg awareness and restart reconciliation.
 *
 * How the keeper loop uses it, in order:
 *  at start
 *   1. `Journal.open(dataDir)`;
 *   2. `new NonceManager({ address, client, inFlight: () => journal.inFlightNonces(address) })`;
 *   3. `await reconcile(journal, client, { nonces })` - settles what a previous run left (receipts, drops,
 *      rebroadcasts of journaled bytes) and resyncs the nonce stream; BEFORE anything new is sent;
 *   4. `new TxSender(...)`, `new ReorgTracker({ client, journal, nonces, onReorg })`, and the keeper's
 *      SendPipeline (src/keeper/pipeline.ts) over them, with the safety gate;
 *  per block
 *   5. `pipeline.submit(...)` for each candidate: `sender.submit(...)` (guards - simulated on the pending block while
 *      earlier sends are in flight -, gate, sign, journal, broadcast; it refuses an opportunity whose intent is
 *      unresolved); consecutive nonces, returned without waiting for receipts;
 *   5'. before planning, whatever the safety gate says: `pipeline.onBlock(head)` - `sender.onBlock(head)` (receipts,
 *      rebroadcasts, per-nonce replacement, nonce gaps, intents whose every transaction was refused) and
 *      `tracker.check(head)`, so stuck transactions are replaced and reorgs noticed even when nothing new is sent;
 *      the kill switch (TxContext.halted, wired from the gate) leaves only cancels;
 *   6. `pipeline.settle(submitted)`: `sender.trackAll(...)` - one `sender.onBlock(head)` (receipts, rebroadcasts,
 *      per-nonce replacement, nonce-gap filling) and `tracker.check(head)` per new head - until each intent resolves
 *      into a SendOutcome (`pipeline.send` is both for one candidate);
 *  at shutdown
 *   8. `journal.close()`.
 */
export { NonceManager, type NonceManagerOptions, type NonceState } from "./nonce.js";
export { TxSender, type TxSenderOptions, type SubmitParams, type Submission, type Resolution } from "./sender.js";
export { trackIntents, outcomeOf, type TrackOptions, type TrackAllOptions } from "./track.js";
export { fillNonceGap, GAP_FILL_KIND, isOrphan, refillOrphan, type GapFill, type OrphanRefill } from "./gaps.js";
export { describeBudget, gasBudget, resimulate, type GasBudget, type Resimulation } from "./resimulate.js";
export {
  DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
  gasLimitFor,
  prepareSend,
  type ExpectedProfitWei,
  type Preparation,
  type PrepareParams,
  type PreparedSend,
} from "./prepare.js";
export { outcomeOfIntent, revertReason } from "./outcome.js";
export { DEFAULT_BUMP_BPS, DEFAULT_STUCK_BLOCKS, type TxContext, type TxEvent, type TxPolicy } from "./context.js";
export { bumpFees, highestFees, raiseBy, type BumpDecision, type BumpParams, type FeePair } from "./bump.js";
export {
  broadcastAttempt,
  classifyBroadcastError,
  minedTransactionHashOf,
  signJournalBroadcast,
  type BroadcastErrorKind,
  type BroadcastResult,
  type TxRequest,
} from "./broadcast.js";
export { CANCEL_GAS, cancel, handleStuck, marketFees, type CancelWhy, type StuckOutcome } from "./replace.js";
export { ReorgTracker, DEFAULT_CONFIRMATIONS, type ReorgReport, type ReorgTrackerOptions } from "./reorg.js";
export { reconcile, type ReconcileOptions, type ReconcileReport } from "./reconcile.js";
export { findMined, receiptOf, type MinedAttempt } from "./receipts.js";
export { BroadcastRefusedError, TxLayerError, TxUnresolvedError, type UnminedState } from "./errors.js";
