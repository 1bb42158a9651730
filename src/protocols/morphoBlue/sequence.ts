/** Morpho's part in planning a block as a sequence: re-sizing on a working snapshot, and the sale's effect. */
import type { MorphoLiquidationOpportunity } from "../../risk/opportunity.js";
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
  if (!morpho || !market || !position) return { id: o.id, protocol: "morpho-blue", skip: { code: "other", message: "position no longer in the snapshot", deterministic: false }, context: c.context };
  const found = findMorphoLiquidations({ ...snapshot, morpho: { ...morpho, markets: [{ ...market, positions: [position] }] } } as Snapshot, ctx);
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
