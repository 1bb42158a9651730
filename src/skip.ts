/**
 * Why the keeper left an opportunity alone, as a value rather than a sentence: a bounded code that metrics,
 * cooldowns and reports act on, and words with the numbers for a person. Every layer that can decline an
 * opportunity (strategy, ranking, safety gate, send pipeline) produces one of these; nothing parses it back.
 */
import type { KeeperError } from "./errors.js";

/** The bounded set of reasons; a metric label each. */
export const SKIP_CODES = [
  "safety",
  "not-profitable",
  "not-liquidatable",
  "no-funding",
  "simulation-reverted",
  "rpc-error",
  "fee-cap",
  "duplicate",
  "cooldown",
  "gas-cap",
  "price-check",
  "order-flow",
  "other",
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

/** One decision not to act, with why. */
export interface SkipReason {
  code: SkipCode;
  /** For a person: what was seen, with its numbers. */
  message: string;
  /**
   * True when the cause is the chain's state (healthy account, unprofitable, reverting): retrying before the state
   * changes is pointless, so the opportunity cools down. False for transient trouble (RPC, safety switches).
   */
  deterministic: boolean;
  /** The typed error behind it, when there is one (a decoded revert, an RPC failure). */
  error?: KeeperError;
}

/** Builds a SkipReason; `deterministic` defaults to true except for the transient codes. */
export function skip(
  code: SkipCode,
  message: string,
  extra: { deterministic?: boolean; error?: KeeperError } = {},
): SkipReason {
  const transient =
    code === "rpc-error" ||
    code === "safety" ||
    code === "duplicate" ||
    code === "cooldown" ||
    code === "price-check" ||
    code === "order-flow";
  return {
    code,
    message,
    deterministic: extra.deterministic ?? !transient,
    ...(extra.error ? { error: extra.error } : {}),
  };
}
