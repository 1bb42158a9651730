/**
 * Re-sizing a venue's candidate on the block planner's working state: the module's own detector, run again on that
 * one venue as earlier actions of the block left it. What a rebalance module's `refine` is.
 */
import { skip } from "../skip.js";
import type { Candidate, Skip } from "./types.js";

/**
 * The candidate a detector found again for `c`'s opportunity, or why it did not (its skip, or: no longer off the
 * reference by the threshold).
 */
export function redetected(
  c: Candidate,
  found: { candidates: readonly Candidate[]; skipped: readonly Skip[] },
): Candidate | Skip {
  const again = found.candidates.find((x) => x.opportunity.id === c.opportunity.id);
  if (again) return again;
  return (
    found.skipped.find((s) => s.id === c.opportunity.id) ?? {
      id: c.opportunity.id,
      protocol: c.opportunity.protocol,
      skip: skip("other", "no longer off the reference price by the threshold", { deterministic: false }),
      context: c.context,
    }
  );
}
