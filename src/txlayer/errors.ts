import { KeeperError } from "../errors.js";

/** The transaction layer was used wrongly or met a state it refuses to act on (never a chain condition). */
export class TxLayerError extends KeeperError {
  override name = "TxLayerError";
}
