/**
 * Aave's part in planning a block as a sequence: re-sizing a liquidation on a working snapshot, the exact effect of
 * its flash swap or collateral sale on the V2 pair, folding liquidations that share a flash pair into one batch
 * transaction under a gas bound, and cutting a failed batch in two.
 */
import { aaveRoutedBatch } from "../../executor/actions.js";
import { FlashSource, PoolKind, type AaveRoutedLiquidationParams } from "../../executor/routes.js";
import type { AaveLiquidationOpportunity } from "../../risk/opportunity.js";
import { v2GetAmountIn } from "../../risk/uniswapV2/amounts.js";
import { batchCandidate, foldIntoBatch, halves } from "../../strategy/batching.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import type { VenueEffect } from "../module.js";
import { batchGas } from "./batch.js";
import { findAaveLiquidations } from "./detect.js";

/** The same account detected again on `snapshot` (its best route and size there), or why it no longer pays. */
export function refineAaveLiquidation(c: Candidate, snapshot: Snapshot, ctx: StrategyContext): Candidate | Skip {
  const o = c.opportunity as AaveLiquidationOpportunity;
  const aave = snapshot.aave;
  const account = aave?.accounts.find((a) => a.user === o.details.user);
  if (!aave || !account)
    return {
      id: o.id,
      protocol: "aave-v3",
      skip: { code: "other", message: "account no longer in the snapshot", deterministic: false },
      context: c.context,
    };
  const found = findAaveLiquidations({ ...snapshot, aave: { ...aave, accounts: [account] } } as Snapshot, ctx);
  return found.candidates[0] ?? found.skipped[0];
}

/** A V2 pair's reserves after `amountIn` of `tokenIn` came in and `amountOut` of the other token went out. */
function v2After(
  pair: { address: `0x${string}`; token0: string; reserve0: bigint; reserve1: bigint },
  tokenIn: string,
  amountIn: bigint,
  amountOut: bigint,
): VenueEffect {
  const inIs0 = pair.token0.toLowerCase() === tokenIn.toLowerCase();
  return {
    kind: "v2",
    address: pair.address,
    reserve0: inIs0 ? pair.reserve0 + amountIn : pair.reserve0 - amountOut,
    reserve1: inIs0 ? pair.reserve1 - amountOut : pair.reserve1 + amountIn,
  };
}

/**
 * The flash pair after each V2-flash liquidation of the candidate (a batch: one after the other): it lends
 * the repayment (the opportunity's debtRepaid: a full close's margin in debtToCover goes back to it unused) and is
 * repaid getAmountIn of collateral, exactly as the pair's own arithmetic does.
 * (Routed and Morpho-funded liquidations carry their route's post-state as `effects` instead.)
 */
export function applyAaveLiquidation(c: Candidate, snapshot: Snapshot): VenueEffect[] {
  const members = c.members ?? [c];
  const pairs = new Map((snapshot.v2Pairs ?? []).map((p) => [p.address.toLowerCase(), p]));
  const effects = new Map<string, VenueEffect & { kind: "v2" }>();
  const state = (address: string) => {
    const e = effects.get(address.toLowerCase());
    const p = pairs.get(address.toLowerCase());
    return p && (e ? { ...p, reserve0: e.reserve0, reserve1: e.reserve1 } : p);
  };
  for (const m of members) {
    const a = m.action;
    if (a.kind === "liquidateAaveV2Flash") {
      const pair = state(a.params.flashPair);
      if (!pair) continue;
      const debtIs0 = pair.token0.toLowerCase() === a.params.debtAsset.toLowerCase();
      const rDebt = debtIs0 ? pair.reserve0 : pair.reserve1;
      const rColl = debtIs0 ? pair.reserve1 : pair.reserve0;
      const used = (m.opportunity as AaveLiquidationOpportunity).details.debtRepaid ?? a.params.debtToCover;
      const owed = v2GetAmountIn(used, rColl, rDebt);
      effects.set(
        pair.address.toLowerCase(),
        v2After(pair, a.params.collateralAsset, owed, used) as VenueEffect & { kind: "v2" },
      );
    }
  }
  return [...effects.values()];
}

const v2FlashOf = (c: Candidate) => (c.members?.[0] ?? c).action;

/** Batch of V2-flash liquidations built from single candidates, in execution order. */
export function aaveBatchCandidate(members: readonly Candidate[], ctx: StrategyContext): Candidate {
  const items = members.map((m) => (m.action as Extract<Candidate["action"], { kind: "liquidateAaveV2Flash" }>).params);
  return batchCandidate(members, {
    idPrefix: "aave-v3-batch",
    account: (m) => (m.opportunity as AaveLiquidationOpportunity).details.user,
    action: {
      kind: "liquidateAaveV2FlashBatch",
      params: { items, minProfit: items.reduce((s, x) => s + x.minProfit, 0n) },
    },
    gasEstimate: batchGas(ctx, items.length),
    label: "liquidations",
  });
}

/**
 * `next` appended to `into` when both are V2-flash liquidations through the same pair with the same debt and
 * collateral (the batch entry point's profit is one token) and the batch's planned gas stays under `maxGas`.
 */
export function mergeAaveLiquidations(
  into: Candidate,
  next: Candidate,
  ctx: StrategyContext,
  maxGas: bigint,
): Candidate | undefined {
  const a = v2FlashOf(into);
  const b = next.action;
  if (b.kind !== "liquidateAaveV2Flash" || next.members) return undefined;
  if (a.kind !== "liquidateAaveV2Flash") return undefined;
  const same =
    a.params.flashPair === b.params.flashPair &&
    a.params.debtAsset === b.params.debtAsset &&
    a.params.collateralAsset === b.params.collateralAsset;
  if (!same || ctx.gas.aaveV2FlashBatchItem <= 0n) return undefined;
  const members = [...(into.members ?? [into]), next];
  if (batchGas(ctx, members.length) > maxGas) return undefined;
  return aaveBatchCandidate(members, ctx);
}

/** A batch cut in two halves, each a batch again (or a single liquidation). */
export function splitAaveBatch(
  c: Candidate,
  _snapshot: Snapshot,
  ctx: StrategyContext,
): [Candidate, Candidate] | undefined {
  return halves(c, (ms) => aaveBatchCandidate(ms, ctx));
}

/** A single Aave liquidation as an item of liquidateAaveRoutedBatch (a Morpho-flash one-pair sale is a one-leg route). */
function asRoutedItem(c: Candidate): AaveRoutedLiquidationParams | undefined {
  const a = c.action;
  if (a.kind === "liquidateAaveRouted") return a.params;
  if (a.kind !== "liquidateAaveMorphoFlash") return undefined;
  const p = a.params;
  const o = c.opportunity as AaveLiquidationOpportunity;
  return {
    aavePool: p.aavePool,
    collateralAsset: p.collateralAsset,
    debtAsset: p.debtAsset,
    user: p.user,
    debtToCover: p.debtToCover,
    source: FlashSource.MorphoFlashLoan,
    lender: p.morpho,
    route: {
      legs: [
        {
          amountIn: o.details.collateralSeized,
          hops: [{ kind: PoolKind.UniswapV2, pool: p.swapPair, tokenOut: p.debtAsset }],
        },
      ],
      minAmountOut: p.debtToCover,
    },
    minProfit: p.minProfit,
  };
}

/** Routed Aave liquidations sharing a debt asset, in one liquidateAaveRoutedBatch transaction. */
export function aaveRoutedBatchCandidate(members: readonly Candidate[]): Candidate {
  return batchCandidate(members, {
    idPrefix: "aave-v3-routed-batch",
    account: (m) => (m.opportunity as AaveLiquidationOpportunity).details.user,
    action: members.length > 1 ? aaveRoutedBatch(members.map((m) => asRoutedItem(m)!)) : members[0].action,
    gasEstimate: members.reduce((s, m) => s + m.opportunity.gasEstimate, 0n),
    label: "routed liquidations",
  });
}

/**
 * `next` folded into `into` as one batch: V2-flash liquidations through the same pair with the same assets into a
 * liquidateAaveV2FlashBatch; Morpho-funded ones (routed or one-pair) with the same debt asset into a
 * liquidateAaveRoutedBatch. Only while the batch's planned gas stays under `maxGas`.
 */
export function mergeAave(
  into: Candidate,
  next: Candidate,
  ctx: StrategyContext,
  maxGas: bigint,
): Candidate | undefined {
  return (
    mergeAaveLiquidations(into, next, ctx, maxGas) ??
    foldIntoBatch(into, next, {
      itemOf: asRoutedItem,
      tokenOf: (i) => i.debtAsset,
      build: aaveRoutedBatchCandidate,
      maxGas,
    })
  );
}

/** Liquidations through the same flash pair and assets batch together; Morpho-funded ones by debt asset. */
export function aaveBatchKey(c: Candidate): string | undefined {
  const a = c.action;
  if (a.kind === "liquidateAaveV2Flash")
    return `v2:${a.params.flashPair}:${a.params.debtAsset}:${a.params.collateralAsset}`.toLowerCase();
  if (a.kind === "liquidateAaveRouted" || a.kind === "liquidateAaveMorphoFlash")
    return `routed:${a.params.debtAsset}`.toLowerCase();
  return undefined;
}

/** A failed batch (either kind) cut in two halves. */
export function splitAave(c: Candidate, snapshot: Snapshot, ctx: StrategyContext): [Candidate, Candidate] | undefined {
  if (c.action.kind === "liquidateAaveV2FlashBatch") return splitAaveBatch(c, snapshot, ctx);
  return halves(c, aaveRoutedBatchCandidate);
}
