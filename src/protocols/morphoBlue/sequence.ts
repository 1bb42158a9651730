/** Morpho's part in planning a block as a sequence: re-sizing on a working snapshot, and the sale's effect. */
import { morphoRoutedBatch } from "../../executor/actions.js";
import { PoolKind, type MorphoRoutedLiquidationParams } from "../../executor/routes.js";
import type { MorphoLiquidationOpportunity } from "../../risk/opportunity.js";
import { batchCandidate, foldIntoBatch, halves } from "../../strategy/batching.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import { findMorphoLiquidations } from "./detect.js";

/** The same position detected again on `snapshot` (the seized size that nets most there), or why none does. */
export function refineMorphoLiquidation(c: Candidate, snapshot: Snapshot, ctx: StrategyContext): Candidate | Skip {
  const o = c.opportunity as MorphoLiquidationOpportunity;
  const morpho = snapshot.morpho;
  const market = morpho?.markets.find((m) => m.id === o.details.marketId);
  const position = market?.positions.find((p) => p.borrower === o.details.borrower);
  if (!morpho || !market || !position)
    return {
      id: o.id,
      protocol: "morpho-blue",
      skip: { code: "other", message: "position no longer in the snapshot", deterministic: false },
      context: c.context,
    };
  const found = findMorphoLiquidations(
    { ...snapshot, morpho: { ...morpho, markets: [{ ...market, positions: [position] }] } } as Snapshot,
    ctx,
  );
  return found.candidates[0] ?? found.skipped[0];
}

/** A single Morpho liquidation as an item of liquidateMorphoBatch (a one-pair sale is a one-leg route). */
function asRoutedItem(c: Candidate): MorphoRoutedLiquidationParams | undefined {
  const a = c.action;
  if (a.kind === "liquidateMorphoRouted") return a.params;
  if (a.kind !== "liquidateMorpho") return undefined;
  const p = a.params;
  const o = c.opportunity as MorphoLiquidationOpportunity;
  return {
    morpho: p.morpho,
    marketParams: p.marketParams,
    borrower: p.borrower,
    seizedAssets: p.seizedAssets,
    repaidShares: 0n,
    route: {
      legs: [
        {
          amountIn: p.seizedAssets,
          hops: [{ kind: PoolKind.UniswapV2, pool: p.swapPair, tokenOut: p.marketParams.loanToken }],
        },
      ],
      minAmountOut: o.details.repaidAssets,
    },
    minProfit: p.minProfit,
  };
}

/** Morpho liquidations sharing a loan token, in one liquidateMorphoBatch transaction. */
export function morphoBatchCandidate(members: readonly Candidate[]): Candidate {
  return batchCandidate(members, {
    idPrefix: "morpho-blue-batch",
    account: (m) => (m.opportunity as MorphoLiquidationOpportunity).details.borrower,
    action: members.length > 1 ? morphoRoutedBatch(members.map((m) => asRoutedItem(m)!)) : members[0].action,
    gasEstimate: members.reduce((s, m) => s + m.opportunity.gasEstimate, 0n),
    label: "liquidations",
  });
}

/** `next` folded into `into` as one liquidateMorphoBatch when they share a loan token and the gas stays under `maxGas`. */
export function mergeMorpho(
  into: Candidate,
  next: Candidate,
  _ctx: StrategyContext,
  maxGas: bigint,
): Candidate | undefined {
  return foldIntoBatch(into, next, {
    itemOf: asRoutedItem,
    tokenOf: (i) => i.marketParams.loanToken,
    build: morphoBatchCandidate,
    maxGas,
  });
}

/** Morpho liquidations batch by loan token. */
export function morphoBatchKey(c: Candidate): string | undefined {
  const a = c.action;
  return a.kind === "liquidateMorpho" || a.kind === "liquidateMorphoRouted"
    ? `loan:${a.params.marketParams.loanToken}`.toLowerCase()
    : undefined;
}

/** A failed batch cut in two halves. */
export function splitMorpho(c: Candidate): [Candidate, Candidate] | undefined {
  return halves(c, morphoBatchCandidate);
}
