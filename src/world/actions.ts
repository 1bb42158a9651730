import { numberToHex, type Address } from "viem";
import { openAaveBorrowers, openMorphoBorrowers, type AaveBorrowerSpec, type MorphoBorrowerSpec } from "./borrowers.js";
import { v2PairAbi } from "../protocols/uniswapV2/abi.js";
import { v2RebalanceToReference } from "../risk/uniswapV2/rebalance.js";
import { isqrt, referencePrice, sqrtPriceX96 } from "./prices.js";
import { KeeperError } from "../errors.js";
import { RATE_UNIT, ratioPriceAdapter, settableAggregator } from "./tokens.js";
import { read, send } from "./tx.js";
import { poolActorArtifact } from "./uniswapV2.js";
import { v3PoolArtifact } from "./uniswapV3.js";
import type { TokenSymbol, V2PairName, V3PoolName, World, WorldClients } from "./types.js";

/**
 * Sets a token's USD price (8 decimals); Aave's oracle and Morpho's FeedOracles follow at once. A token priced
 * through an exchange-rate adapter (wstETH) gets the rate that gives this price at its base feed's current answer
 * (rounded down, so the answer can be a unit under `price8`); its price then follows its base's moves.
 */
export async function setPrice(
  clients: WorldClients,
  world: World,
  symbol: TokenSymbol,
  price8: bigint,
): Promise<void> {
  const adapter = world.rateAdapters?.[symbol];
  if (adapter) {
    const base = await read<bigint>(clients, {
      address: world.feeds[adapter.base],
      abi: settableAggregator().abi,
      functionName: "latestAnswer",
    });
    await setExchangeRate(clients, world, symbol, (price8 * RATE_UNIT) / base);
    return;
  }
  await send(clients, {
    address: world.feeds[symbol],
    abi: settableAggregator().abi,
    functionName: "setAnswer",
    args: [price8],
  });
}

/** Sets the exchange rate (18 decimals) of a rate-priced token (wstETH per WETH): a slashing or depeg shock. */
export async function setExchangeRate(
  clients: WorldClients,
  world: World,
  symbol: TokenSymbol,
  rate: bigint,
): Promise<void> {
  const adapter = world.rateAdapters?.[symbol];
  if (!adapter)
    throw new KeeperError(`${symbol} is not priced through an exchange-rate adapter in this world.`, {
      metaMessages: [`Rate-priced tokens: ${Object.keys(world.rateAdapters ?? {}).join(", ") || "none"}.`],
    });
  await send(clients, {
    address: adapter.adapter,
    abi: ratioPriceAdapter().abi,
    functionName: "setRatio",
    args: [rate],
  });
}

/** The exchange rate (18 decimals) of a rate-priced token. */
export async function getExchangeRate(clients: WorldClients, world: World, symbol: TokenSymbol): Promise<bigint> {
  const adapter = world.rateAdapters?.[symbol];
  if (!adapter) throw new KeeperError(`${symbol} is not priced through an exchange-rate adapter in this world.`);
  return read<bigint>(clients, { address: adapter.adapter, abi: ratioPriceAdapter().abi, functionName: "getRatio" });
}

/** The feeds' current USD answers (8 decimals). */
export async function getPrices(clients: WorldClients, world: World): Promise<Record<TokenSymbol, bigint>> {
  const out = {} as Record<TokenSymbol, bigint>;
  for (const s of Object.keys(world.feeds) as TokenSymbol[]) {
    out[s] = await read<bigint>(clients, {
      address: world.feeds[s],
      abi: settableAggregator().abi,
      functionName: "latestAnswer",
    });
  }
  return out;
}

/**
 * Input that multiplies a V2 pair's price (reserveOut/reserveIn seen from the output side) by mNum/mDen,
 * fee included: solves (R + x)(1000R + 997x) = m * 1000 R^2 for x, where R is the input-side reserve.
 */
function v2InputForPriceRatio(reserveIn: bigint, mNum: bigint, mDen: bigint): bigint {
  const disc = (reserveIn * reserveIn * (1997n * 1997n * mDen + 3_988_000n * (mNum - mDen))) / mDen;
  return (isqrt(disc) - 1997n * reserveIn) / 1994n;
}

/**
 * Skews a V2 pair with a real swap by the PoolActor: `bps` > 0 raises the price of token0 in token1 by that many
 * basis points (token1 is sold in), `bps` < 0 lowers it. Returns the input amount swapped.
 */
export async function skewV2Pool(clients: WorldClients, world: World, pair: V2PairName, bps: number): Promise<bigint> {
  if (bps === 0) return 0n;
  const info = world.uniswapV2.pairs[pair];
  const [r0, r1] = await read<readonly [bigint, bigint, number]>(clients, {
    address: info.address,
    abi: v2PairAbi,
    functionName: "getReserves",
  });
  const b = BigInt(Math.abs(Math.round(bps)));
  const amountIn =
    bps > 0 ? v2InputForPriceRatio(r1, 10_000n + b, 10_000n) : v2InputForPriceRatio(r0, 10_000n, 10_000n - b);
  await send(clients, {
    address: world.helpers.poolActor,
    abi: poolActorArtifact().abi,
    functionName: "swapV2",
    args: [info.address, bps < 0, amountIn, world.helpers.poolActor],
  });
  return amountIn;
}

/**
 * Skews a V3 pool (default the WETH/USDC 0.3% pool) by `bps` (price of token0 in token1) with a swap limited exactly
 * at the target.
 */
export async function skewV3Pool(
  clients: WorldClients,
  world: World,
  bps: number,
  name: V3PoolName = "WETH_USDC_3000",
): Promise<bigint> {
  const pool = world.uniswapV3.pools[name].address;
  const [sqrtP] = await read<readonly [bigint, ...unknown[]]>(clients, {
    address: pool,
    abi: v3PoolArtifact().abi,
    functionName: "slot0",
  });
  const scale = 10n ** 18n;
  const target = (sqrtP * isqrt(((10_000n + BigInt(Math.round(bps))) * scale * scale) / 10_000n)) / scale;
  await send(clients, {
    address: world.helpers.poolActor,
    abi: poolActorArtifact().abi,
    functionName: "swapV3",
    args: [pool, target < sqrtP, 10n ** 40n, target, world.helpers.poolActor],
  });
  return target;
}

/** Opens one Aave borrower at the given health factor (bps) at today's feed prices. */
export async function createAaveBorrower(
  clients: WorldClients,
  world: World,
  spec: AaveBorrowerSpec,
): Promise<Address> {
  const [borrower] = await openAaveBorrowers(clients, world, [spec], await getPrices(clients, world));
  world.borrowers.aave.push(borrower);
  return borrower;
}

/** Opens one Morpho borrower at the given health factor (bps) at today's feed prices. */
export async function createMorphoBorrower(
  clients: WorldClients,
  world: World,
  spec: MorphoBorrowerSpec,
): Promise<Address> {
  const [borrower] = await openMorphoBorrowers(clients, world, [spec], await getPrices(clients, world));
  world.borrowers.morpho.push(borrower);
  return borrower;
}

/** Mines `blocks` empty blocks (hardhat_mine, or anvil's equivalent, or evm_mine one by one). */
export async function mine(clients: WorldClients, blocks = 1): Promise<void> {
  for (const method of ["hardhat_mine", "anvil_mine"] as const) {
    try {
      await clients.public.request({ method, params: [numberToHex(blocks)] } as never);
      return;
    } catch {
      // try the next dialect
    }
  }
  for (let i = 0; i < blocks; i++) await clients.public.request({ method: "evm_mine", params: [] } as never);
}

/** Moves the chain's clock forward by `seconds` and mines a block, so interest accrues. */
export async function advanceTime(clients: WorldClients, seconds: number): Promise<void> {
  await clients.public.request({ method: "evm_increaseTime", params: [numberToHex(seconds)] } as never);
  await mine(clients, 1);
}

/**
 * Plays "the rest of the market": arbitrageurs who bring every V2 pair and V3 pool back to the feeds' prices
 * after a feed move. Used by scenarios that move a price without wanting the pools left stale.
 */
export async function syncPoolsToFeeds(clients: WorldClients, world: World): Promise<void> {
  const prices = await getPrices(clients, world);
  const symbolOf = (a: Address) =>
    (Object.keys(world.tokens) as TokenSymbol[]).find((s) => world.tokens[s].address === a)!;
  for (const name of Object.keys(world.uniswapV2.pairs) as V2PairName[]) {
    const info = world.uniswapV2.pairs[name];
    const [r0, r1] = await read<readonly [bigint, bigint, number]>(clients, {
      address: info.address,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    const t0 = world.tokens[symbolOf(info.token0)];
    const t1 = world.tokens[symbolOf(info.token1)];
    const ref = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
    // The integer trade that lands closest to the feed (a whole-bps skew would miss a 13.64% move by 0.4 bp).
    const trade = v2RebalanceToReference({ reserve0: r0, reserve1: r1 }, ref);
    if (trade) {
      await send(clients, {
        address: world.helpers.poolActor,
        abi: poolActorArtifact().abi,
        functionName: "swapV2",
        args: [info.address, trade.zeroForOne, trade.amountIn, world.helpers.poolActor],
      });
    }
  }
  for (const pool of Object.values(world.uniswapV3.pools)) {
    const t0 = world.tokens[symbolOf(pool.token0)];
    const t1 = world.tokens[symbolOf(pool.token1)];
    const target = sqrtPriceX96(referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]));
    const [sqrtP] = await read<readonly [bigint, ...unknown[]]>(clients, {
      address: pool.address,
      abi: v3PoolArtifact().abi,
      functionName: "slot0",
    });
    if (sqrtP !== target) {
      await send(clients, {
        address: world.helpers.poolActor,
        abi: poolActorArtifact().abi,
        functionName: "swapV3",
        args: [pool.address, target < sqrtP, 10n ** 40n, target, world.helpers.poolActor],
      });
    }
  }
}
