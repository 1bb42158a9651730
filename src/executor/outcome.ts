/**
 * The one outcome of the send pipeline (simulate -> guard -> sign -> journal -> broadcast -> track), whoever
 * runs it: the demo, dry-run, `keeper simulate` and live. Failure cases carry typed errors, never sentences to be
 * parsed back; metrics, cooldowns and reports switch on `status` and on the errors' fields.
 */
import type { Hash } from "viem";
import type { KeeperError } from "../errors.js";
import type { SkipReason } from "../skip.js";
import type { ExecutorEvent } from "./events.js";

export type SendOutcome =
  /** Mined and successful: the executor paid `profit` (summed over a batch's items) to its owner. */
  | {
      status: "mined";
      hash: Hash;
      blockNumber: bigint;
      gasUsed: bigint;
      effectiveGasPrice: bigint;
      profit: bigint;
      /** Every action event, in log order (one per item of a batch). */
      events: readonly ExecutorEvent[];
    }
  /** Simulated, guarded and priced; not sent because the keeper runs dry. */
  | { status: "dry-run"; profit: bigint; gas: bigint }
  /** Not sent: nothing was signed and no nonce was used. */
  | { status: "skipped"; skip: SkipReason }
  /** Mined and reverted (paid for), or replaced by a cancel, reorged out, or dropped. */
  | {
      status: "reverted";
      hash?: Hash;
      blockNumber?: bigint;
      gasUsed?: bigint;
      effectiveGasPrice?: bigint;
      error: KeeperError;
    }
  /** The node refused it, or no answer came in time; `pending` when it may still be mined (it stays journaled). */
  | { status: "failed"; hash?: Hash; pending: boolean; error: KeeperError };

export type SendStatus = SendOutcome["status"];
