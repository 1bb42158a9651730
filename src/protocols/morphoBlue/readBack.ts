import type { Address } from "viem";
import type { ExecutorAction, MorphoLiquidationParams } from "../../executor/actions.js";
import { formatHealthFactor } from "../../risk/format.js";
import { morphoPositionHealth } from "../../risk/morpho/health.js";
import { formatUsd, tokenAmountToUsd } from "../../risk/profit.js";
import type { ActionHandler, LiquidationRecord, ReadBackParams, ReadClient } from "../module.js";
import { morphoAbi, morphoOracleAbi } from "./abi.js";
import { applyMorphoLiquidation } from "./sequence.js";

/** The position's health after the liquidation's block, read from Morpho and the market's oracle. */
async function readBack(client: ReadClient, { candidate, outcome, snapshot }: ReadBackParams): Promise<{ liquidations: LiquidationRecord[] }> {
  const p = candidate.action.params as MorphoLiquidationParams;
  const id = snapshot.morpho?.markets.find((m) => m.params.oracle === p.marketParams.oracle)?.id;
  const at = { blockNumber: outcome.blockNumber };
  const m = await client.readContract({ address: p.morpho, abi: morphoAbi, functionName: "market", args: [id!], ...at });
  const [, borrowShares, collateral] = await client.readContract({ address: p.morpho, abi: morphoAbi, functionName: "position", args: [id!, p.borrower], ...at });
  const oraclePrice = await client.readContract({ address: p.marketParams.oracle, abi: morphoOracleAbi, functionName: "price", ...at });
  const health = morphoPositionHealth({
    position: { borrowShares, collateral },
    market: { totalBorrowAssets: m[2], totalBorrowShares: m[3] },
    collateralPrice: oraclePrice,
    lltv: p.marketParams.lltv,
  });
  const profitToken = candidate.opportunity.expectedProfit;
  const price = snapshot.prices[profitToken.token];
  const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
  const args = (outcome.events[0]?.args ?? {}) as Record<string, unknown>;
  return {
    liquidations: [
      {
        protocol: "morpho-blue",
        borrower: p.borrower,
        block: outcome.blockNumber.toString(),
        txHash: outcome.hash,
        healthFactorBefore: candidate.context.healthFactor ?? "?",
        healthFactorAfter: borrowShares === 0n ? "no debt" : formatHealthFactor(health.healthFactor),
        debtAsset: sym(p.marketParams.loanToken),
        debtRepaid: String(args.repaidAssets ?? ""),
        collateralAsset: sym(p.marketParams.collateralToken),
        collateralSeized: String(args.seizedAssets ?? p.seizedAssets),
        profitAsset: price?.symbol ?? profitToken.token,
        profit: outcome.profit.toString(),
        profitUsd: price ? formatUsd(tokenAmountToUsd(outcome.profit, profitToken.decimals, price.usd8)) : "?",
        gasUsed: outcome.gasUsed.toString(),
      },
    ],
  };
}

/** The executor actions that liquidate on Morpho Blue. */
export const morphoActions: Record<string, ActionHandler> = {
  liquidateMorpho: {
    touched: (a: ExecutorAction) => (a.kind === "liquidateMorpho" ? [a.params.swapPair] : []),
    readBack,
    apply: applyMorphoLiquidation,
  },
};
