import { KeeperError } from "../errors.js";

/**
 * Raised where the protocol contract would revert, or where an input cannot come from a valid
 * on-chain read (a negative amount, a tick out of range). `reason` carries the contract's own
 * revert string when it has one ("SPL", "T", "R", "LS"), so a failed simulation reads like the
 * failed transaction it predicts.
 */
export class RiskMathError extends KeeperError {
  override name = "RiskMathError";
  /** The contract's revert reason, or a short tag for checked-arithmetic failures ("overflow"). */
  readonly reason: string;

  constructor(shortMessage: string, reason: string, metaMessages?: string[]) {
    super(shortMessage, metaMessages ? { metaMessages } : {});
    this.reason = reason;
  }
}
