import { isAddressEqual, parseEventLogs, type Address, type Hex, type Log } from "viem";
import { EXECUTOR_ACTION_EVENTS, keeperExecutorEvents, type ExecutorActionEventName } from "./abi.js";
import type { Funding } from "./actions.js";
import type { FlashSource } from "./routes.js";

/** The event each action emits when it has paid the owner; args as the Solidity event declares them. */
export type ExecutorEvent =
  | {
      eventName: "AaveLiquidatedWithV2Flash";
      args: {
        user: Address;
        collateralAsset: Address;
        debtAsset: Address;
        /** Debt Aave actually took. */
        debtRepaid: bigint;
        collateralSeized: bigint;
        /** Collateral spent repaying the flash swap. */
        collateralToPair: bigint;
        /** Collateral sent to the owner. */
        profit: bigint;
      };
    }
  | {
      eventName: "AaveLiquidatedWithMorphoFlash";
      args: {
        user: Address;
        collateralAsset: Address;
        debtAsset: Address;
        debtRepaid: bigint;
        collateralSeized: bigint;
        /** Debt asset the collateral sale returned. */
        debtFromSwap: bigint;
        /** Debt asset sent to the owner. */
        profit: bigint;
      };
    }
  | {
      eventName: "MorphoLiquidated";
      args: {
        marketId: Hex;
        borrower: Address;
        seizedAssets: bigint;
        repaidAssets: bigint;
        loanFromSwap: bigint;
        /** Loan tokens sent to the owner. */
        profit: bigint;
      };
    }
  | {
      eventName: "V2Rebalanced";
      args: {
        pair: Address;
        zeroForOne: boolean;
        funding: Funding;
        amountIn: bigint;
        amountOut: bigint;
        fundingCost: bigint;
        /** Resulting price, reserve1 * 2^112 / reserve0. */
        priceX112: bigint;
        profit: bigint;
      };
    }
  | {
      eventName: "V3Rebalanced";
      args: {
        pool: Address;
        zeroForOne: boolean;
        funding: Funding;
        amountIn: bigint;
        amountOut: bigint;
        fundingCost: bigint;
        sqrtPriceX96: bigint;
        profit: bigint;
      };
    }
  | {
      eventName: "MorphoLiquidatedRouted";
      args: {
        /** keccak256 of the market's params (Morpho Blue's market id). */
        marketId: Hex;
        borrower: Address;
        /** Collateral Morpho sent, all sold along the route. */
        seizedAssets: bigint;
        /** Loan tokens Morpho pulled. */
        repaidAssets: bigint;
        /** Loan tokens the route returned. */
        loanFromRoute: bigint;
        /** Loan tokens sent to the owner. */
        profit: bigint;
      };
    }
  | {
      eventName: "AaveLiquidatedRouted";
      args: {
        user: Address;
        collateralAsset: Address;
        debtAsset: Address;
        /** Flash source that lent the debt asset. */
        source: FlashSource;
        /** Debt Aave actually took. */
        debtRepaid: bigint;
        /** Collateral received from Aave, all sold along the route. */
        collateralSeized: bigint;
        /** Debt asset the route returned. */
        debtFromRoute: bigint;
        /** Fee paid to the flash source on top of the loan. */
        flashFee: bigint;
        /** Debt asset sent to the owner. */
        profit: bigint;
      };
    };

/**
 * All the action events `executor` emitted in `logs` (a receipt's logs), in log order: one for a single action,
 * one per item for a batch (same order as its items). Logs of other contracts are ignored: a
 * pool or token could emit an event with the same signature, and only the executor's are the truth about what it
 * paid.
 */
export function parseExecutorEvents(logs: readonly Log[], executor: Address): ExecutorEvent[] {
  const own = logs.filter((log) => isAddressEqual(log.address, executor));
  const parsed = parseEventLogs({ abi: keeperExecutorEvents(), logs: own as Log[] }) as unknown as {
    eventName: string;
    args: Record<string, unknown>;
  }[];
  return parsed
    .filter((e) => (EXECUTOR_ACTION_EVENTS as readonly string[]).includes(e.eventName))
    .map((e) => ({ eventName: e.eventName as ExecutorActionEventName, args: e.args }) as ExecutorEvent);
}

/**
 * What the transaction paid the owner in total: the sum of its action events' `profit` (for a batch, the entry
 * point's `totalProfit`), or undefined when there is no action event. Only meaningful in one token, which the batch
 * constructors guarantee (shared collateral, loan token or debt asset).
 */
export function totalExecutorProfit(events: readonly ExecutorEvent[]): bigint | undefined {
  if (events.length === 0) return undefined;
  return events.reduce((sum, e) => sum + e.args.profit, 0n);
}
