/** Morpho's part in planning a block as a sequence: re-sizing on a working snapshot, and the sale's effect. */
import { morphoRoutedBatch } from "../../executor/actions.js";
import { PoolKind, type MorphoRoutedLiquidationParams } from "../../executor/routes.js";
import type { MorphoLiquidationOpportunity } from "../../risk/opportunity.js";
import { formatUsd } from "../../risk/profit.js";
import { v2GetAmountOut } from "../../risk/uniswapV2/amounts.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import type { VenueEffect } from "../module.js";
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

/** The swap pair after the executor sold the seized collateral on it inside Morpho's callback. */
export function applyMorphoLiquidation(c: Candidate, snapshot: Snapshot): VenueEffect[] {
  const a = c.action;
  if (a.kind !== "liquidateMorpho") return [];
  const pair = (snapshot.v2Pairs ?? []).find((p) => p.address.toLowerCase() === a.params.swapPair.toLowerCase());
  if (!pair) return [];
  const collIs0 = pair.token0.toLowerCase() === a.params.marketParams.collateralToken.toLowerCase();
  const seized = a.params.seizedAssets;
  const out = v2GetAmountOut(seized, collIs0 ? pair.reserve0 : pair.reserve1, collIs0 ? pair.reserve1 : pair.reserve0);
  return [
    {
      kind: "v2",
      address: pair.address,
      reserve0: collIs0 ? pair.reserve0 + seized : pair.reserve0 - out,
      reserve1: collIs0 ? pair.reserve1 - out : pair.reserve1 + seized,
    },
  ];
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
  if (members.length === 1) return members[0];
  const first = members[0].opportunity;
  const items = members.map((m) => asRoutedItem(m)!);
  const total = members.reduce((s, m) => s + m.opportunity.expectedProfit.amount, 0n);
  const totalUsd = members.reduce((s, m) => s + m.opportunity.expectedProfitUsd, 0n);
  return {
    opportunity: {
      ...first,
      id: `morpho-blue-batch:${items.length}:${items.map((x) => x.borrower.slice(2, 8)).join("")}`.slice(0, 160),
      expectedProfit: { ...first.expectedProfit, amount: total },
      expectedProfitUsd: totalUsd,
      gasEstimate: members.reduce((s, m) => s + m.opportunity.gasEstimate, 0n),
    } as Candidate["opportunity"],
    action: morphoRoutedBatch(items),
    context: {
      borrowers: items.map((x) => x.borrower).join(","),
      healthFactor: members.map((m) => m.context.healthFactor).join(","),
      batch: `${items.length} liquidations in one transaction`,
      expectedProfit: formatUsd(totalUsd),
    },
    members,
  };
}

/** `next` folded into `into` as one liquidateMorphoBatch when they share a loan token and the gas stays under `maxGas`. */
export function mergeMorpho(
  into: Candidate,
  next: Candidate,
  _ctx: StrategyContext,
  maxGas: bigint,
): Candidate | undefined {
  if (next.members) return undefined;
  const members = [...(into.members ?? [into]), next];
  const items = members.map(asRoutedItem);
  if (
    items.some((i) => i === undefined) ||
    items.some((i) => i!.marketParams.loanToken !== items[0]!.marketParams.loanToken)
  )
    return undefined;
  const batch = morphoBatchCandidate(members);
  return batch.opportunity.gasEstimate <= maxGas ? batch : undefined;
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
  const members = c.members;
  if (!members || members.length < 2) return undefined;
  const half = Math.ceil(members.length / 2);
  return [morphoBatchCandidate(members.slice(0, half)), morphoBatchCandidate(members.slice(half))];
}
