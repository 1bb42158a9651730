/**
 * What happened in each block after the crash, read back from the chain (never from the keeper's own report):
 * the protocols' liquidation events, the keeper's transactions and receipts, and the executor's profit events.
 */
import {
  isAddressEqual,
  parseAbiItem,
  parseEventLogs,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
} from "viem";
import { keeperExecutorEvents } from "../../src/executor/abi.js";
import { tokenAmountToUsd } from "../../src/risk/profit.js";
import type { TokenSymbol, World } from "../../src/world/index.js";

const liquidationCall = parseAbiItem(
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
);
const morphoLiquidate = parseAbiItem(
  "event Liquidate(bytes32 indexed id, address indexed caller, address indexed borrower, uint256 repaidAssets, uint256 repaidShares, uint256 seizedAssets, uint256 badDebtAssets, uint256 badDebtShares)",
);

/** One block's figures. USD amounts have 8 decimals. */
export interface BlockFigures {
  block: bigint;
  aaveLiquidations: number;
  morphoLiquidations: number;
  /** Borrowers liquidated in this block ("aave-v3:0x..", "morpho-blue:0x.."). */
  liquidated: string[];
  debtRepaidUsd8: bigint;
  /** Profit of every executor action event (liquidations and rebalances). */
  profitUsd8: bigint;
  /** Of which rebalances (V2Rebalanced, V3Rebalanced): the keeper re-pricing the pools the liquidations moved. */
  rebalanceProfitUsd8: bigint;
  rebalances: number;
  keeperTxs: number;
  keeperReverted: number;
  keeperGas: bigint;
  maxTxGas: bigint;
  /** Transactions of everyone else (arbitrageurs). */
  otherTxs: number;
}

/** The USD value of `amount` of `token` at the feed prices, 0 for a token the world does not know. */
function usd(world: World, prices: Record<TokenSymbol, bigint>, token: Address, amount: bigint): bigint {
  const t = Object.values(world.tokens).find((x) => isAddressEqual(x.address, token));
  return t ? tokenAmountToUsd(amount, t.decimals, prices[t.symbol]) : 0n;
}

/** The token an executor event's `profit` is paid in (see KeeperExecutor's event docs). */
function profitToken(world: World, e: { eventName: string; args: Record<string, unknown> }): Address | undefined {
  const a = e.args;
  switch (e.eventName) {
    case "AaveLiquidatedWithV2Flash":
      return a.collateralAsset as Address;
    case "AaveLiquidatedWithMorphoFlash":
    case "AaveLiquidatedRouted":
      return a.debtAsset as Address;
    case "MorphoLiquidated":
    case "MorphoLiquidatedRouted":
      return world.morpho.marketParams.loanToken;
    case "V2Rebalanced": {
      const pair = Object.values(world.uniswapV2.pairs).find((x) => isAddressEqual(x.address, a.pair as Address));
      return pair && (a.zeroForOne ? pair.token1 : pair.token0);
    }
    case "V3Rebalanced": {
      const pool = Object.values(world.uniswapV3.pools).find((x) => isAddressEqual(x.address, a.pool as Address));
      return pool && (a.zeroForOne ? pool.token1 : pool.token0);
    }
    default:
      return undefined;
  }
}

/** Reads blocks `from`..`to` and returns one row per block. `prices` are the feeds after the crash (they stay put). */
export async function measureBlocks(
  client: PublicClient<Transport, Chain>,
  p: {
    world: World;
    executor: Address;
    keeper: Address;
    from: bigint;
    to: bigint;
    prices: Record<TokenSymbol, bigint>;
  },
): Promise<BlockFigures[]> {
  const { world, prices } = p;
  const [aaveLogs, morphoLogs] = await Promise.all([
    client.getLogs({ address: world.aave.pool, event: liquidationCall, fromBlock: p.from, toBlock: p.to }),
    client.getLogs({
      address: world.morpho.morpho,
      event: morphoLiquidate,
      args: { id: world.morpho.marketId },
      fromBlock: p.from,
      toBlock: p.to,
    }),
  ]);
  const executorEvents = keeperExecutorEvents();
  const rows: BlockFigures[] = [];
  for (let b = p.from; b <= p.to; b++) {
    const row: BlockFigures = {
      block: b,
      aaveLiquidations: 0,
      morphoLiquidations: 0,
      liquidated: [],
      debtRepaidUsd8: 0n,
      profitUsd8: 0n,
      rebalanceProfitUsd8: 0n,
      rebalances: 0,
      keeperTxs: 0,
      keeperReverted: 0,
      keeperGas: 0n,
      maxTxGas: 0n,
      otherTxs: 0,
    };
    for (const l of aaveLogs.filter((x) => x.blockNumber === b)) {
      row.aaveLiquidations++;
      row.liquidated.push(`aave-v3:${l.args.user!.toLowerCase()}`);
      row.debtRepaidUsd8 += usd(world, prices, l.args.debtAsset!, l.args.debtToCover!);
    }
    for (const l of morphoLogs.filter((x) => x.blockNumber === b)) {
      row.morphoLiquidations++;
      row.liquidated.push(`morpho-blue:${l.args.borrower!.toLowerCase()}`);
      row.debtRepaidUsd8 += usd(world, prices, world.morpho.marketParams.loanToken, l.args.repaidAssets!);
    }
    const block = await client.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (!isAddressEqual(tx.from, p.keeper)) {
        row.otherTxs++;
        continue;
      }
      const receipt = await client.getTransactionReceipt({ hash: tx.hash });
      row.keeperTxs++;
      row.keeperGas += receipt.gasUsed;
      if (receipt.gasUsed > row.maxTxGas) row.maxTxGas = receipt.gasUsed;
      if (receipt.status !== "success") {
        row.keeperReverted++;
        continue;
      }
      const own = receipt.logs.filter((l) => isAddressEqual(l.address, p.executor));
      const events = parseEventLogs({ abi: executorEvents, logs: own }) as unknown as {
        eventName: string;
        args: Record<string, unknown>;
      }[];
      for (const e of events) {
        if (typeof e.args.profit !== "bigint") continue;
        const token = profitToken(world, e);
        const value = token ? usd(world, prices, token, e.args.profit) : 0n;
        row.profitUsd8 += value;
        if (e.eventName === "V2Rebalanced" || e.eventName === "V3Rebalanced") {
          row.rebalances++;
          row.rebalanceProfitUsd8 += value;
        }
      }
    }
    rows.push(row);
  }
  return rows;
}
