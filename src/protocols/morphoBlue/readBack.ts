import type { Address } from "viem";
import type { ExecutorAction, MorphoLiquidationParams } from "../../executor/actions.js";
import type { MorphoRoutedLiquidationParams } from "../../executor/routes.js";
import { formatHealthFactor } from "../../risk/format.js";
import { morphoPositionHealth } from "../../risk/morpho/health.js";
import { formatUsd, tokenAmountToUsd } from "../../risk/profit.js";
import type { ActionHandler, LiquidationRecord, ReadBackParams, ReadClient } from "../module.js";
import { morphoAbi, morphoOracleAbi } from "./abi.js";
import { splitMorpho } from "./sequence.js";

type Item = MorphoLiquidationParams | MorphoRoutedLiquidationParams;

/** Each liquidated position's health after the block, read from Morpho and the market's oracle. */
async function readBack(
  client: ReadClient,
  { candidate, outcome, snapshot }: ReadBackParams,
): Promise<{ liquidations: LiquidationRecord[] }> {
  const action = candidate.action;
  const batched = action.kind === "liquidateMorphoBatch";
  const items: Item[] = batched ? action.params.items : [action.params as Item];
  const hfs = (candidate.context.healthFactor ?? "").split(",");
  const profitToken = candidate.opportunity.expectedProfit;
  const price = snapshot.prices[profitToken.token];
  const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
  const at = { blockNumber: outcome.blockNumber };
  const liquidations: LiquidationRecord[] = [];
  for (const [k, p] of items.entries()) {
    const id = snapshot.morpho?.markets.find((m) => m.params.oracle === p.marketParams.oracle)?.id;
    const m = await client.readContract({
      address: p.morpho,
      abi: morphoAbi,
      functionName: "market",
      args: [id!],
      ...at,
    });
    const [, borrowShares, collateral] = await client.readContract({
      address: p.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [id!, p.borrower],
      ...at,
    });
    const oraclePrice = await client.readContract({
      address: p.marketParams.oracle,
      abi: morphoOracleAbi,
      functionName: "price",
      ...at,
    });
    const health = morphoPositionHealth({
      position: { borrowShares, collateral },
      market: { totalBorrowAssets: m[2], totalBorrowShares: m[3] },
      collateralPrice: oraclePrice,
      lltv: p.marketParams.lltv,
    });
    const event = batched
      ? outcome.events.find(
          (e) => String((e.args as { borrower?: Address }).borrower).toLowerCase() === p.borrower.toLowerCase(),
        )
      : outcome.events[0];
    const args = (event?.args ?? {}) as Record<string, unknown>;
    const profit = batched ? BigInt(String(args.profit ?? 0n)) : outcome.profit;
    liquidations.push({
      protocol: "morpho-blue",
      borrower: p.borrower,
      block: outcome.blockNumber.toString(),
      txHash: outcome.hash,
      healthFactorBefore: (batched ? hfs[k] : candidate.context.healthFactor) ?? "?",
      healthFactorAfter: borrowShares === 0n ? "no debt" : formatHealthFactor(health.healthFactor),
      debtAsset: sym(p.marketParams.loanToken),
      debtRepaid: String(args.repaidAssets ?? ""),
      collateralAsset: sym(p.marketParams.collateralToken),
      collateralSeized: String(args.seizedAssets ?? p.seizedAssets),
      profitAsset: price?.symbol ?? profitToken.token,
      profit: profit.toString(),
      profitUsd: price ? formatUsd(tokenAmountToUsd(profit, profitToken.decimals, price.usd8)) : "?",
      gasUsed: (batched ? outcome.gasUsed / BigInt(items.length) : outcome.gasUsed).toString(),
      ...(batched ? { batch: `${k + 1}/${items.length}` } : {}),
    });
  }
  return { liquidations };
}

const routePools = (p: MorphoRoutedLiquidationParams): Address[] =>
  p.route.legs.flatMap((l) => l.hops.map((h) => h.pool));

/** The executor actions that liquidate on Morpho Blue. */
export const morphoActions: Record<string, ActionHandler> = {
  liquidateMorpho: {
    touched: (a: ExecutorAction) => (a.kind === "liquidateMorpho" ? [a.params.swapPair] : []),
    readBack,
  },
  liquidateMorphoRouted: {
    touched: (a: ExecutorAction) => (a.kind === "liquidateMorphoRouted" ? routePools(a.params) : []),
    readBack,
  },
  liquidateMorphoBatch: {
    touched: (a: ExecutorAction) => (a.kind === "liquidateMorphoBatch" ? a.params.items.flatMap(routePools) : []),
    readBack,
    split: splitMorpho,
  },
};
