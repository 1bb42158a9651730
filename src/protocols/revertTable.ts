/**
 * How a protocol's revert reasons are named: each protocol folder has one (its `reverts.ts`), and the executor's
 * error decoding walks the list in ./reverts.ts, so a reason like Aave's "45" or Morpho's "position is healthy" is
 * reported by name with what it means.
 */

import type { Abi } from "viem";

/** A reason string a protocol reverts with, named. */
export interface NamedRevert {
  errorName: string;
  description: string;
}

/** One protocol's table: its source label and a lookup of its reason strings. */
export interface RevertTable {
  /** Label on decoded errors (RevertSource), e.g. "aave". */
  source: string;
  /** The reason's name and meaning, or undefined when the reason is not this protocol's. */
  name(reason: string): NamedRevert | undefined;
  /** Custom errors the protocol reverts with (Aave since v3.2), decoded by selector, and their meanings by name. */
  customErrors?: { abi: Abi; descriptions: Readonly<Record<string, string>> };
}
