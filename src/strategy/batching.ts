/**
 * What every batch candidate has in common, whatever the protocol: one transaction made of single candidates run in
 * order, its profit the sum of theirs (one token: the batch entry points refuse mixed ones), its members kept so a
 * failed batch can be cut in two.
 */
import type { ExecutorAction } from "../executor/actions.js";
import { formatUsd } from "../risk/profit.js";
import type { Candidate } from "./types.js";

/** The batch of `members` (in execution order) sent as `action`; a single member is returned as it is. */
export function batchCandidate(
  members: readonly Candidate[],
  p: {
    idPrefix: string;
    account: (c: Candidate) => string;
    action: ExecutorAction;
    gasEstimate: bigint;
    label: string;
  },
): Candidate {
  if (members.length === 1) return members[0];
  const first = members[0].opportunity;
  const total = members.reduce((s, m) => s + m.opportunity.expectedProfit.amount, 0n);
  const totalUsd = members.reduce((s, m) => s + m.opportunity.expectedProfitUsd, 0n);
  const accounts = members.map(p.account);
  return {
    opportunity: {
      ...first,
      id: `${p.idPrefix}:${members.length}:${accounts.map((a) => a.slice(2, 8)).join("")}`.slice(0, 160),
      expectedProfit: { ...first.expectedProfit, amount: total },
      expectedProfitUsd: totalUsd,
      gasEstimate: p.gasEstimate,
    } as Candidate["opportunity"],
    action: p.action,
    context: {
      borrowers: accounts.join(","),
      healthFactor: members.map((m) => m.context.healthFactor).join(","),
      batch: `${members.length} ${p.label} in one transaction`,
      expectedProfit: formatUsd(totalUsd),
    },
    members,
  };
}

/** A failed batch cut in two halves, each rebuilt by `build`; undefined for fewer than two members. */
export function halves(
  c: Candidate,
  build: (members: readonly Candidate[]) => Candidate,
): [Candidate, Candidate] | undefined {
  const members = c.members;
  if (!members || members.length < 2) return undefined;
  const half = Math.ceil(members.length / 2);
  return [build(members.slice(0, half)), build(members.slice(half))];
}

/**
 * `next` folded into `into` (a single candidate or a batch) when every member converts to an item of the batch entry
 * point (`itemOf`), all items pay in the same token (`tokenOf`), and the rebuilt batch plans under `maxGas`.
 */
export function foldIntoBatch<I>(
  into: Candidate,
  next: Candidate,
  p: {
    itemOf: (c: Candidate) => I | undefined;
    tokenOf: (item: I) => string;
    build: (members: readonly Candidate[]) => Candidate;
    maxGas: bigint;
  },
): Candidate | undefined {
  if (next.members) return undefined;
  const members = [...(into.members ?? [into]), next];
  const items = members.map(p.itemOf);
  if (items.some((i) => i === undefined)) return undefined;
  const token = p.tokenOf(items[0]!);
  if (items.some((i) => p.tokenOf(i!) !== token)) return undefined;
  const batch = p.build(members);
  return batch.opportunity.gasEstimate <= p.maxGas ? batch : undefined;
}
