/**
 * The executor's actions as data: one variant per KeeperExecutor entry point, its `params` mirroring the
 * Solidity struct field for field (uint -> bigint, address -> Address, enum -> number), so an action can be
 * built, logged, simulated and sent without any translation step that could drift.
 */
import { encodeFunctionData, isAddressEqual, type Address, type Hex } from "viem";
import { KeeperError } from "../errors.js";
import { keeperExecutorAbi } from "./abi.js";
export type { ExecutorMorphoMarketParams } from "./routes.js";
import type {
  ExecutorMorphoMarketParams,
  AaveRoutedBatchParams,
  AaveRoutedLiquidationParams,
  MorphoRoutedBatchParams,
  MorphoRoutedLiquidationParams,
  SaleRoute,
} from "./routes.js";

/** KeeperExecutor.Funding: where a rebalance's input comes from (values are the Solidity enum's). */
export const Funding = { Inventory: 0, V3Flash: 1, V2Flash: 2 } as const;
export type Funding = (typeof Funding)[keyof typeof Funding];

/** KeeperExecutor.AaveLiquidationParams: Aave V3 liquidation funded by a Uniswap V2 flash swap of the debt. */
export interface AaveLiquidationParams {
  /** Not sent: the executor liquidates on the Aave pool fixed at its deployment. Kept for planning and read-back;
   *  must be that pool. */
  aavePool: Address;
  /** V2 pair holding `debtAsset`; repaid in its other token. */
  flashPair: Address;
  collateralAsset: Address;
  debtAsset: Address;
  user: Address;
  /** Flash-borrowed and offered to Aave; Aave may take less (close factor), the rest goes back. */
  debtToCover: bigint;
  /** zeroAddress when `flashPair`'s other token is the collateral; else a collateral/other-token V2 pair. */
  swapPair: Address;
  /** In `collateralAsset` units. */
  minProfit: bigint;
}

/** KeeperExecutor.AaveMorphoLiquidationParams: Aave V3 liquidation funded by a fee-free Morpho flash loan. */
export interface AaveMorphoLiquidationParams {
  /** Not sent: the executor liquidates on the Aave pool fixed at its deployment. Kept for planning and read-back;
   *  must be that pool. */
  aavePool: Address;
  /** Not sent: the executor uses the Morpho Blue fixed at its deployment. Kept for planning; must be that one. */
  morpho: Address;
  collateralAsset: Address;
  debtAsset: Address;
  user: Address;
  debtToCover: bigint;
  /** V2 pair of collateral/debt on which all the seized collateral is sold. */
  swapPair: Address;
  /** In `debtAsset` units. */
  minProfit: bigint;
}

/** KeeperExecutor.MorphoLiquidationParams: Morpho Blue liquidation repaid from the seized collateral. */
export interface MorphoLiquidationParams {
  /** Not sent: the executor uses the Morpho Blue fixed at its deployment. Kept for planning; must be that one. */
  morpho: Address;
  marketParams: ExecutorMorphoMarketParams;
  borrower: Address;
  seizedAssets: bigint;
  /** V2 pair of collateral/loan token on which the seized collateral is sold. */
  swapPair: Address;
  /** In loan-token units. */
  minProfit: bigint;
}

/** KeeperExecutor.V2RebalanceParams: a trade moving a Uniswap V2 pair's price to a target. */
export interface V2RebalanceParams {
  pair: Address;
  zeroForOne: boolean;
  amountIn: bigint;
  /** reserve1 * 2^112 / reserve0 after the trade. */
  targetPriceX112: bigint;
  /** uint16 on chain. */
  toleranceBps: number;
  funding: Funding;
  /** Flash source; ignored (zeroAddress) for Inventory. */
  fundingPool: Address;
  /** In output-token units. */
  minProfit: bigint;
}

/** KeeperExecutor.V3RebalanceParams: a trade moving a Uniswap V3 pool's price to a target. */
export interface V3RebalanceParams {
  pool: Address;
  zeroForOne: boolean;
  /** Maximum input; the swap stops at `sqrtPriceLimitX96`. */
  amountIn: bigint;
  /** The target sqrt price (Q64.96), used as the swap's limit. uint160 on chain. */
  sqrtPriceLimitX96: bigint;
  /** uint16 on chain; bps of the sqrt price. */
  toleranceBps: number;
  /** Inventory or V2Flash (the contract rejects V3Flash here). */
  funding: Funding;
  fundingPool: Address;
  /** In output-token units. */
  minProfit: bigint;
}

/**
 * KeeperExecutor.liquidateAaveV2FlashBatch's argument: several V2-flash Aave liquidations run in order in one
 * transaction (cheaper than one transaction each when they share a funding path). The contract takes only
 * `items`; each item keeps its own on-chain `minProfit` floor.
 */
export interface AaveLiquidationBatchParams {
  /** The liquidations, in execution order; all must share one `collateralAsset` (the batch's profit token). */
  items: AaveLiquidationParams[];
  /**
   * Informational, not sent: the sum of the items' `minProfit`, i.e. the least total profit the batch pays when it
   * succeeds. Kept so that code reading `action.params.minProfit` on any action works on a batch too.
   */
  minProfit: bigint;
}

/**
 * A pool's two tokens, sorted as the pool stores them. Rebalance params name only the pool (the contract reads
 * the tokens on chain); the action carries them too so the profit token is known without an RPC round trip.
 */
export interface PoolTokens {
  token0: Address;
  token1: Address;
}

/** One KeeperExecutor call: `kind` is the entry point's name, `params` its struct (for a batch, its items). */
export type ExecutorAction =
  | { kind: "liquidateAaveV2Flash"; params: AaveLiquidationParams }
  | { kind: "liquidateAaveV2FlashBatch"; params: AaveLiquidationBatchParams }
  | { kind: "liquidateAaveMorphoFlash"; params: AaveMorphoLiquidationParams }
  | { kind: "liquidateMorpho"; params: MorphoLiquidationParams }
  | { kind: "rebalanceV2"; params: V2RebalanceParams; tokens: PoolTokens }
  | { kind: "rebalanceV3"; params: V3RebalanceParams; tokens: PoolTokens }
  | { kind: "liquidateMorphoRouted"; params: MorphoRoutedLiquidationParams }
  | { kind: "liquidateMorphoBatch"; params: MorphoRoutedBatchParams }
  | { kind: "liquidateAaveRouted"; params: AaveRoutedLiquidationParams }
  | { kind: "liquidateAaveRoutedBatch"; params: AaveRoutedBatchParams };

export type ExecutorActionKind = ExecutorAction["kind"];

/** The batch kinds: the entry point takes an array of item structs and returns the total profit. */
export type ExecutorBatchKind = "liquidateAaveV2FlashBatch" | "liquidateMorphoBatch" | "liquidateAaveRoutedBatch";

/** The action variant of one kind, e.g. `ActionOf<"liquidateAaveRouted">`. */
export type ActionOf<K extends ExecutorActionKind> = Extract<ExecutorAction, { kind: K }>;

/** An Aave V2-flash liquidation batch whose items do not share a collateral asset: it has no single profit token. */
export class MixedBatchCollateralError extends KeeperError {
  override name = "MixedBatchCollateralError";
  constructor(collaterals: readonly Address[]) {
    super(`A liquidateAaveV2FlashBatch mixes collateral assets (${[...new Set(collaterals)].join(", ")}).`, {
      metaMessages: [
        "Each item's profit is paid in its own collateral, and the batch's profit must be in one token.",
        "Batch only liquidations that seize the same collateral; send the others separately or in their own batch.",
      ],
    });
  }
}

/** A batch action with no items: the contract reverts EmptyBatch, so it is refused here. */
export class EmptyBatchError extends KeeperError {
  override name = "EmptyBatchError";
  /** The batch entry point that was given no items. */
  readonly batchKind: ExecutorBatchKind;
  constructor(batchKind: ExecutorBatchKind = "liquidateAaveV2FlashBatch") {
    super(`A ${batchKind} needs at least one item.`, {
      metaMessages: ["The executor reverts EmptyBatch() on an empty batch; send nothing instead."],
    });
    this.batchKind = batchKind;
  }
}

/**
 * A routed liquidation batch whose items pay their profits in different tokens (Morpho loan tokens, Aave debt
 * assets). The contract would run it and return a meaningless sum of amounts in several tokens, so it is refused.
 */
export class MixedBatchProfitTokenError extends KeeperError {
  override name = "MixedBatchProfitTokenError";
  /** The batch entry point. */
  readonly batchKind: ExecutorBatchKind;
  /** The distinct profit tokens of the items, in item order. */
  readonly tokens: readonly Address[];
  constructor(batchKind: ExecutorBatchKind, tokens: readonly Address[]) {
    const distinct = [...new Set(tokens)];
    super(`A ${batchKind} mixes profit tokens (${distinct.join(", ")}).`, {
      metaMessages: [
        "Each item's profit is paid in its own " +
          (batchKind === "liquidateMorphoBatch" ? "loan token" : "debt asset") +
          ", and the batch's profit must be in one token.",
        "Batch only liquidations paying in the same token; send the others separately or in their own batch.",
      ],
    });
    this.batchKind = batchKind;
    this.tokens = distinct;
  }
}

/** The collateral every item of a batch seizes (its profit token). Throws on an empty or mixed batch. */
function batchCollateral(items: readonly AaveLiquidationParams[]): Address {
  const [first] = items;
  if (first === undefined) throw new EmptyBatchError();
  if (items.some((i) => !isAddressEqual(i.collateralAsset, first.collateralAsset))) {
    throw new MixedBatchCollateralError(items.map((i) => i.collateralAsset));
  }
  return first.collateralAsset;
}

const sumMinProfit = (items: readonly { minProfit: bigint }[]): bigint =>
  items.reduce((sum, i) => sum + i.minProfit, 0n);

/** The one token every item pays its profit in. Throws on an empty batch or on items paying in different tokens. */
function sharedProfitToken(batchKind: ExecutorBatchKind, tokens: readonly Address[]): Address {
  const [first] = tokens;
  if (first === undefined) throw new EmptyBatchError(batchKind);
  if (tokens.some((t) => !isAddressEqual(t, first))) throw new MixedBatchProfitTokenError(batchKind, tokens);
  return first;
}

/**
 * The batch action running `items` in order in one transaction, its informational `params.minProfit` set to the
 * sum of the items' floors. Throws EmptyBatchError / MixedBatchCollateralError for a batch the keeper must not send.
 */
export function aaveV2FlashBatch(
  items: readonly AaveLiquidationParams[],
): Extract<ExecutorAction, { kind: "liquidateAaveV2FlashBatch" }> {
  batchCollateral(items);
  return { kind: "liquidateAaveV2FlashBatch", params: { items: [...items], minProfit: sumMinProfit(items) } };
}

/**
 * The liquidateMorphoBatch action running `items` (routed Morpho liquidations) in order in one transaction, its
 * informational `params.minProfit` set to the sum of the items' floors. Throws EmptyBatchError for no items and
 * MixedBatchProfitTokenError when the items' markets do not share one loan token.
 */
export function morphoRoutedBatch(items: readonly MorphoRoutedLiquidationParams[]): ActionOf<"liquidateMorphoBatch"> {
  sharedProfitToken(
    "liquidateMorphoBatch",
    items.map((i) => i.marketParams.loanToken),
  );
  return { kind: "liquidateMorphoBatch", params: { items: [...items], minProfit: sumMinProfit(items) } };
}

/**
 * The liquidateAaveRoutedBatch action running `items` (routed Aave liquidations, any flash sources) in order in one
 * transaction, its informational `params.minProfit` set to the sum of the items' floors. Throws EmptyBatchError for
 * no items and MixedBatchProfitTokenError when the items do not share one debt asset.
 */
export function aaveRoutedBatch(items: readonly AaveRoutedLiquidationParams[]): ActionOf<"liquidateAaveRoutedBatch"> {
  sharedProfitToken(
    "liquidateAaveRoutedBatch",
    items.map((i) => i.debtAsset),
  );
  return { kind: "liquidateAaveRoutedBatch", params: { items: [...items], minProfit: sumMinProfit(items) } };
}

/**
 * The token the action's profit (the entry point's return value and its event's `profit`) is paid to the owner
 * in: the seized collateral for a V2-flash Aave liquidation (the flash pair is repaid in collateral) and for a
 * batch of them (whose items must share it: MixedBatchCollateralError otherwise), the debt
 * asset for a Morpho-flash Aave liquidation and the loan token for a Morpho liquidation (all collateral is sold),
 * and the output token of a rebalance. A routed liquidation pays in what its route sells into: the loan token for
 * liquidateMorphoRouted, the debt asset for liquidateAaveRouted (what is left after repaying the flash loan and its
 * fee); their batches pay in the items' shared token (MixedBatchProfitTokenError otherwise; EmptyBatchError when
 * there are no items).
 */
export function profitToken(action: ExecutorAction): Address {
  switch (action.kind) {
    case "liquidateAaveV2Flash":
      return action.params.collateralAsset;
    case "liquidateAaveV2FlashBatch":
      return batchCollateral(action.params.items);
    case "liquidateAaveMorphoFlash":
      return action.params.debtAsset;
    case "liquidateMorpho":
      return action.params.marketParams.loanToken;
    case "rebalanceV2":
    case "rebalanceV3":
      // Selling token0 pays out token1 and vice versa.
      return action.params.zeroForOne ? action.tokens.token1 : action.tokens.token0;
    case "liquidateMorphoRouted":
      return action.params.marketParams.loanToken;
    case "liquidateMorphoBatch":
      return sharedProfitToken(
        action.kind,
        action.params.items.map((i) => i.marketParams.loanToken),
      );
    case "liquidateAaveRouted":
      return action.params.debtAsset;
    case "liquidateAaveRoutedBatch":
      return sharedProfitToken(
        action.kind,
        action.params.items.map((i) => i.debtAsset),
      );
  }
}

/** Whether the action is a batch (its `params.items` go on chain, its `params.minProfit` does not). */
export function isBatch(action: ExecutorAction): action is ActionOf<ExecutorBatchKind> {
  return (
    action.kind === "liquidateAaveV2FlashBatch" ||
    action.kind === "liquidateMorphoBatch" ||
    action.kind === "liquidateAaveRoutedBatch"
  );
}

/**
 * The action with its on-chain `minProfit` raised to at least `minProfit` (never lowered); the same object when
 * nothing needs raising.
 *
 * For a batch (`liquidateAaveV2FlashBatch`, `liquidateMorphoBatch`, `liquidateAaveRoutedBatch`), `minProfit` is a
 * floor on the batch's TOTAL profit and the contract only knows per-item floors, whose sum the batch pays at least. So: when `minProfit` <= the sum of the items' floors, the
 * items are left untouched (the total is already guaranteed); otherwise only the LAST item's floor is raised by
 * the difference, so that the floors sum to exactly `minProfit`. Raising every item would demand more than was
 * asked; the last item bears it because it runs on the state the others leave. This is conservative: a batch whose
 * total would clear `minProfit` while its last item falls short of its raised floor reverts (InsufficientProfit).
 * The informational `params.minProfit` is set to the new sum.
 */
export function withMinProfit<A extends ExecutorAction>(action: A, minProfit: bigint): A {
  if (isBatch(action)) {
    const items: readonly { minProfit: bigint }[] = action.params.items;
    const floors = sumMinProfit(items);
    if (floors >= minProfit) return action;
    const last = items[items.length - 1];
    if (last === undefined) throw new EmptyBatchError(action.kind);
    const raised = [...items.slice(0, -1), { ...last, minProfit: last.minProfit + (minProfit - floors) }];
    return { ...action, params: { items: raised, minProfit } } as A;
  }
  if (action.params.minProfit >= minProfit) return action;
  return { ...action, params: { ...action.params, minProfit } };
}

/** AaveLiquidationParams' own fields, in a fresh object (see structOf). */
function aaveLiquidationStruct(a: AaveLiquidationParams): Record<string, unknown> {
  return {
    flashPair: a.flashPair,
    collateralAsset: a.collateralAsset,
    debtAsset: a.debtAsset,
    user: a.user,
    debtToCover: a.debtToCover,
    swapPair: a.swapPair,
    minProfit: a.minProfit,
  };
}

/** KeeperMarketParams' own fields. */
function marketStruct(m: ExecutorMorphoMarketParams): Record<string, unknown> {
  return { loanToken: m.loanToken, collateralToken: m.collateralToken, oracle: m.oracle, irm: m.irm, lltv: m.lltv };
}

/** SaleRoute's own fields, legs and hops copied field by field too. */
function routeStruct(r: SaleRoute): Record<string, unknown> {
  return {
    legs: r.legs.map((l) => ({
      amountIn: l.amountIn,
      hops: l.hops.map((h) => ({ kind: h.kind, pool: h.pool, tokenOut: h.tokenOut })),
    })),
    minAmountOut: r.minAmountOut,
  };
}

/** MorphoRoutedLiquidationParams' own fields. */
function morphoRoutedStruct(a: MorphoRoutedLiquidationParams): Record<string, unknown> {
  return {
    marketParams: marketStruct(a.marketParams),
    borrower: a.borrower,
    seizedAssets: a.seizedAssets,
    repaidShares: a.repaidShares,
    route: routeStruct(a.route),
    minProfit: a.minProfit,
  };
}

/** AaveRoutedLiquidationParams' own fields. */
function aaveRoutedStruct(a: AaveRoutedLiquidationParams): Record<string, unknown> {
  return {
    collateralAsset: a.collateralAsset,
    debtAsset: a.debtAsset,
    user: a.user,
    debtToCover: a.debtToCover,
    source: a.source,
    lender: a.lender,
    route: routeStruct(a.route),
    minProfit: a.minProfit,
  };
}

/**
 * Only the struct's own fields, in a fresh object: callers may pass richer objects (a World's pair info, an
 * opportunity), and viem encodes tuples by component name, so extra keys would be ignored anyway; copying keeps
 * what is encoded obvious and the `tokens` context out of the calldata.
 *
 * Returns the entry point's single argument: its params struct, or for a batch the array of item structs.
 */
function structOf(action: ExecutorAction): Record<string, unknown> | Record<string, unknown>[] {
  switch (action.kind) {
    case "liquidateAaveV2Flash":
      return aaveLiquidationStruct(action.params);
    case "liquidateAaveV2FlashBatch":
      // Only the items go on chain; the batch's own minProfit is informational.
      return action.params.items.map(aaveLiquidationStruct);
    case "liquidateAaveMorphoFlash": {
      const a = action.params;
      return {
        collateralAsset: a.collateralAsset,
        debtAsset: a.debtAsset,
        user: a.user,
        debtToCover: a.debtToCover,
        swapPair: a.swapPair,
        minProfit: a.minProfit,
      };
    }
    case "liquidateMorpho": {
      const a = action.params;
      const m = a.marketParams;
      return {
        marketParams: {
          loanToken: m.loanToken,
          collateralToken: m.collateralToken,
          oracle: m.oracle,
          irm: m.irm,
          lltv: m.lltv,
        },
        borrower: a.borrower,
        seizedAssets: a.seizedAssets,
        swapPair: a.swapPair,
        minProfit: a.minProfit,
      };
    }
    case "rebalanceV2": {
      const a = action.params;
      return {
        pair: a.pair,
        zeroForOne: a.zeroForOne,
        amountIn: a.amountIn,
        targetPriceX112: a.targetPriceX112,
        toleranceBps: a.toleranceBps,
        funding: a.funding,
        fundingPool: a.fundingPool,
        minProfit: a.minProfit,
      };
    }
    case "rebalanceV3": {
      const a = action.params;
      return {
        pool: a.pool,
        zeroForOne: a.zeroForOne,
        amountIn: a.amountIn,
        sqrtPriceLimitX96: a.sqrtPriceLimitX96,
        toleranceBps: a.toleranceBps,
        funding: a.funding,
        fundingPool: a.fundingPool,
        minProfit: a.minProfit,
      };
    }
    case "liquidateMorphoRouted":
      return morphoRoutedStruct(action.params);
    case "liquidateMorphoBatch":
      // Only the items go on chain; the batch's own minProfit is informational.
      return action.params.items.map(morphoRoutedStruct);
    case "liquidateAaveRouted":
      return aaveRoutedStruct(action.params);
    case "liquidateAaveRoutedBatch":
      return action.params.items.map(aaveRoutedStruct);
  }
}

/**
 * The function name and argument list of the action's KeeperExecutor call, for viem's contract helpers: one struct,
 * or for a batch the array of item structs.
 */
export function actionCall(action: ExecutorAction): {
  functionName: ExecutorActionKind;
  args: readonly [Record<string, unknown> | Record<string, unknown>[]];
} {
  return { functionName: action.kind, args: [structOf(action)] };
}

/** Calldata of the action's KeeperExecutor call (selector + ABI-encoded params struct, or item structs). */
export function encodeAction(action: ExecutorAction): Hex {
  const { functionName, args } = actionCall(action);
  return encodeFunctionData({ abi: keeperExecutorAbi(), functionName, args });
}
