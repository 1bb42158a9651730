import { ZERO_ADDRESS } from "../../strategy/types.js";
import type { Address } from "viem";
import type { AaveLiquidationParams, AaveMorphoLiquidationParams, ExecutorAction } from "../../executor/actions.js";
import type { AaveRoutedLiquidationParams, SaleRoute } from "../../executor/routes.js";
import { formatHealthFactor } from "../../risk/format.js";
import { formatUsd, tokenAmountToUsd } from "../../risk/profit.js";
import type { ActionHandler, LiquidationRecord, ReadBackParams, ReadClient } from "../module.js";
import { aavePoolAbi } from "./abi.js";
import { applyAaveLiquidation, splitAave } from "./sequence.js";

type Single = AaveLiquidationParams | AaveMorphoLiquidationParams | AaveRoutedLiquidationParams;

/** The borrower's health factor after the block that mined the liquidation, from the pool itself. */
async function healthAfter(client: ReadClient, pool: Address, user: Address, blockNumber: bigint): Promise<string> {
  const after = await client.readContract({
    address: pool,
    abi: aavePoolAbi,
    functionName: "getUserAccountData",
    args: [user],
    blockNumber,
  });
  return formatHealthFactor(after[5]);
}

/**
 * One record per liquidated borrower: a batch yields one per item, each matched to its own event by borrower, with
 * the batch's gas shared equally (the transaction's total is on the batch's receipt).
 */
async function readBack(
  client: ReadClient,
  { candidate, outcome, snapshot }: ReadBackParams,
): Promise<{ liquidations: LiquidationRecord[] }> {
  const action = candidate.action;
  const batched = action.kind === "liquidateAaveV2FlashBatch" || action.kind === "liquidateAaveRoutedBatch";
  const items: Single[] = batched ? (action.params as { items: Single[] }).items : [action.params as Single];
  const profitToken = candidate.opportunity.expectedProfit;
  const price = snapshot.prices[profitToken.token];
  const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
  const hfs = (candidate.context.healthFactor ?? "").split(",");
  const liquidations: LiquidationRecord[] = [];
  for (const [k, item] of items.entries()) {
    const event = outcome.events.find(
      (e) => String((e.args as { user?: Address }).user).toLowerCase() === item.user.toLowerCase(),
    );
    const args = (event?.args ?? {}) as Record<string, unknown>;
    const profit = batched ? BigInt(String(args.profit ?? 0n)) : outcome.profit;
    liquidations.push({
      protocol: "aave-v3",
      borrower: item.user,
      block: outcome.blockNumber.toString(),
      txHash: outcome.hash,
      healthFactorBefore: (batched ? hfs[k] : candidate.context.healthFactor) ?? "?",
      healthFactorAfter: await healthAfter(client, item.aavePool, item.user, outcome.blockNumber),
      debtAsset: sym(item.debtAsset),
      debtRepaid: String(args.debtRepaid ?? item.debtToCover),
      collateralAsset: sym(item.collateralAsset),
      collateralSeized: String(args.collateralSeized ?? ""),
      // A V2-flash batch pays each item in its collateral, a routed batch in its debt asset.
      profitAsset: batched
        ? sym(action.kind === "liquidateAaveRoutedBatch" ? item.debtAsset : item.collateralAsset)
        : (snapshot.prices[profitToken.token]?.symbol ?? profitToken.token),
      profit: profit.toString(),
      profitUsd: price ? formatUsd(tokenAmountToUsd(profit, profitToken.decimals, price.usd8)) : "?",
      gasUsed: (batched ? outcome.gasUsed / BigInt(items.length) : outcome.gasUsed).toString(),
      ...(batched ? { batch: `${k + 1}/${items.length}` } : {}),
      ...notesOf(batched ? candidate.members?.[k]?.context : candidate.context),
    });
  }
  return { liquidations };
}

/** The detector's notes worth keeping in the report: the eMode category and the reason for the pair chosen. */
function notesOf(context: Record<string, string> | undefined): Pick<LiquidationRecord, "eMode" | "choice"> {
  return {
    ...(context?.eMode ? { eMode: context.eMode } : {}),
    ...(context?.choice ? { choice: context.choice } : {}),
  };
}

const live = (xs: Address[]): Address[] => xs.filter((x) => x && x !== ZERO_ADDRESS);

/** Every pool a routed sale trades on, and the flash lender. */
const routedTouches = (p: AaveRoutedLiquidationParams): Address[] => [p.lender, ...routePools(p.route)];
export const routePools = (r: SaleRoute): Address[] => r.legs.flatMap((l) => l.hops.map((h) => h.pool));

/** The executor actions that liquidate on Aave V3. */
export const aaveActions: Record<string, ActionHandler> = {
  liquidateAaveV2Flash: {
    touched: (a: ExecutorAction) =>
      live(a.kind === "liquidateAaveV2Flash" ? [a.params.flashPair, a.params.swapPair] : []),
    readBack,
    apply: applyAaveLiquidation,
  },
  liquidateAaveV2FlashBatch: {
    touched: (a: ExecutorAction) =>
      live(a.kind === "liquidateAaveV2FlashBatch" ? a.params.items.flatMap((i) => [i.flashPair, i.swapPair]) : []),
    readBack,
    apply: applyAaveLiquidation,
    split: splitAave,
  },
  liquidateAaveRouted: {
    touched: (a: ExecutorAction) => live(a.kind === "liquidateAaveRouted" ? routedTouches(a.params) : []),
    readBack,
  },
  liquidateAaveRoutedBatch: {
    touched: (a: ExecutorAction) =>
      live(a.kind === "liquidateAaveRoutedBatch" ? a.params.items.flatMap(routedTouches) : []),
    readBack,
    split: splitAave,
  },
  liquidateAaveMorphoFlash: {
    touched: (a: ExecutorAction) => live(a.kind === "liquidateAaveMorphoFlash" ? [a.params.swapPair] : []),
    readBack,
  },
};
