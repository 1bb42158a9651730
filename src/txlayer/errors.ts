import { KeeperError } from "../errors.js";

/** The transaction layer was used wrongly or met a state it refuses to act on (never a chain condition). */
export class TxLayerError extends KeeperError {
  override name = "TxLayerError";
}

/** The node refused a broadcast outright (no mempool has it); `kind` says what it means for the nonce. */
export class BroadcastRefusedError extends TxLayerError {
  override name = "BroadcastRefusedError";
  readonly kind: string;
  /** Transient refusals (fee too low, nonce taken) may pass on a later block; the others will not. */
  readonly classification: "transient" | "deterministic";

  constructor(kind: string, classification: "transient" | "deterministic", message: string, cause?: unknown) {
    super(`The node refused the transaction (${kind}): ${message}`, {
      cause,
      metaMessages: kind === "insufficient-funds" ? ["Fund the keeper account with native currency for gas."] : [],
    });
    this.kind = kind;
    this.classification = classification;
  }
}

/** How an intent ended without a mined result of its own. */
export type UnminedState = "dropped" | "abandoned" | "reorged" | "pending";

/**
 * A sent transaction that produced no mined result: cancelled, dropped, reorged out, or still pending when the
 * keeper stopped waiting (it stays journaled and tracked). `reason` is the journal's account of it.
 */
export class TxUnresolvedError extends TxLayerError {
  override name = "TxUnresolvedError";
  readonly state: UnminedState;

  constructor(state: UnminedState, reason: string) {
    super(state === "pending" ? `Transaction still pending: ${reason}` : `Transaction ${state}: ${reason}`);
    this.state = state;
  }
}
