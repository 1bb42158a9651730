import { zeroAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { readBatched, unwrap, type BatchedReadOptions, type ReadCall, type ReadResult } from "../../chain/multicall.js";
import { accrueMorphoInterest } from "../../risk/morpho/interest.js";
import type { MorphoMarketState, MorphoPosition } from "../../risk/morpho/types.js";
import type { MorphoMarketParams } from "./types.js";
import { irmAbi, morphoAbi, morphoOracleAbi } from "./abi.js";

/** One market at the snapshot block, with interest accrued to the block's timestamp exactly as Morpho would. */
export interface MorphoMarketSnapshot {
  id: Hex;
  params: MorphoMarketParams;
  /** Market totals after `_accrueInterest` at the snapshot timestamp. */
  state: MorphoMarketState;
  /** `oracle.price()`, 1e36-scaled loan units per collateral unit; undefined when the oracle did not answer. */
  price?: bigint;
  /** Why the oracle gave no price (its revert), when it did not. */
  priceError?: string;
  positions: { borrower: Address; position: MorphoPosition }[];
}

export interface MorphoState {
  morpho: Address;
  markets: MorphoMarketSnapshot[];
}

/** A market's totals and oracle price at the snapshot block, before interest is accrued. */
export interface MorphoMarketHead {
  state: MorphoMarketState;
  /** Undefined when the oracle reverted: the market is still read, its positions are not priced (priceError says why). */
  price?: bigint;
  priceError?: string;
  /** borrowRateView read in the same round with last block's state; valid when `state` is unchanged since. */
  guessedRate?: ReadResult<bigint>;
  guessedFrom?: MorphoMarketState;
}

type Market = { id: Hex; params: MorphoMarketParams };

const rateCall = (m: Market, state: MorphoMarketState): ReadCall => ({
  address: m.params.irm,
  abi: irmAbi,
  functionName: "borrowRateView",
  args: [m.params, state],
});

const sameState = (a: MorphoMarketState, b: MorphoMarketState) =>
  a.totalSupplyAssets === b.totalSupplyAssets &&
  a.totalSupplyShares === b.totalSupplyShares &&
  a.totalBorrowAssets === b.totalBorrowAssets &&
  a.totalBorrowShares === b.totalBorrowShares &&
  a.lastUpdate === b.lastUpdate &&
  a.fee === b.fee;

/**
 * Market totals and oracle prices, one batched round. With `previous` (each market's state last block, by id), the
 * borrow rate is read in the same round with that state: the IRM's view is a function of the market's stored state,
 * so when the state has not changed the rate is already the right one and accrual needs no round of its own.
 */
export async function readMorphoHeads(
  client: PublicClient<Transport, Chain>,
  params: {
    morpho: Address;
    markets: readonly Market[];
    previous?: ReadonlyMap<Hex, MorphoMarketState>;
  } & BatchedReadOptions,
): Promise<MorphoMarketHead[]> {
  const { morpho, markets } = params;
  const guesses = markets.map((m) => (m.params.irm === zeroAddress ? undefined : params.previous?.get(m.id)));
  const head = await readBatched<any>(
    client,
    [
      ...markets.flatMap((m) => [
        { address: morpho, abi: morphoAbi, functionName: "market", args: [m.id] },
        { address: m.params.oracle, abi: morphoOracleAbi, functionName: "price" },
      ]),
      ...markets.flatMap((m, i) => (guesses[i] ? [rateCall(m, guesses[i])] : [])),
    ],
    params,
  );
  let guessCursor = 2 * markets.length;
  return markets.map((m, i) => {
    const r = unwrap(head[2 * i], `Morpho market ${m.id}`) as bigint[];
    const state: MorphoMarketState = {
      totalSupplyAssets: r[0],
      totalSupplyShares: r[1],
      totalBorrowAssets: r[2],
      totalBorrowShares: r[3],
      lastUpdate: r[4],
      fee: r[5],
    };
    // A reverting oracle (a paused feed, a broken adapter) costs this market's positions their price for the block,
    // not the whole protocol's read.
    const p = head[2 * i + 1] as ReadResult<bigint>;
    const priced = p.ok ? { price: p.value } : { priceError: p.error };
    const from = guesses[i];
    return from
      ? { state, ...priced, guessedRate: head[guessCursor++] as ReadResult<bigint>, guessedFrom: from }
      : { state, ...priced };
  });
}

/** Each market's totals with interest accrued to `timestamp`: borrow rates not guessed right are read in one round. */
export async function accrueMorphoMarkets(
  client: PublicClient<Transport, Chain>,
  params: { markets: readonly Market[]; heads: readonly MorphoMarketHead[]; timestamp: bigint } & BatchedReadOptions,
): Promise<MorphoMarketState[]> {
  const { markets, heads } = params;
  const known = heads.map((h) => (h.guessedFrom && sameState(h.guessedFrom, h.state) ? h.guessedRate : undefined));
  const toRead = markets.map((m, i) => ({ m, i })).filter(({ m, i }) => m.params.irm !== zeroAddress && !known[i]);
  const rates = await readBatched<bigint>(
    client,
    toRead.map(({ m, i }) => rateCall(m, heads[i].state)),
    params,
  );
  const fetched = new Map(toRead.map(({ i }, k) => [i, rates[k]]));
  return markets.map((m, i) => {
    const borrowRate =
      m.params.irm === zeroAddress ? 0n : unwrap((known[i] ?? fetched.get(i))!, `borrow rate of ${m.id}`);
    return accrueMorphoInterest({ market: heads[i].state, irm: m.params.irm, borrowRate, timestamp: params.timestamp })
      .market;
  });
}

/** Every known borrower's position in every market, one batched round; unreadable and debt-free ones are left out. */
export async function readMorphoPositions(
  client: PublicClient<Transport, Chain>,
  params: {
    morpho: Address;
    markets: readonly Market[];
    borrowers: ReadonlyMap<Hex, ReadonlySet<Address>>;
  } & BatchedReadOptions,
): Promise<{ borrower: Address; position: MorphoPosition }[][]> {
  const { morpho, markets } = params;
  const pairs = markets.flatMap((m) =>
    [...(params.borrowers.get(m.id.toLowerCase() as Hex) ?? [])].map((b) => ({ m, b })),
  );
  const pos = await readBatched<readonly [bigint, bigint, bigint]>(
    client,
    pairs.map(({ m, b }) => ({ address: morpho, abi: morphoAbi, functionName: "position", args: [m.id, b] })),
    params,
  );
  return markets.map((m) =>
    pairs
      .map((p, k) => ({ p, r: pos[k] }))
      .filter(({ p, r }) => p.m.id === m.id && r.ok)
      .map(({ p, r }) => {
        const v = (r as { value: readonly [bigint, bigint, bigint] }).value;
        return { borrower: p.b, position: { supplyShares: v[0], borrowShares: v[1], collateral: v[2] } };
      })
      .filter((x) => x.position.borrowShares > 0n),
  );
}

/**
 * Reads every watched market and every known borrower's position (market + oracle; then IRM rate and positions
 * together), and accrues interest off-chain to `timestamp` so health checks match what `liquidate` will see
 * (Morpho accrues before checking).
 */
export async function readMorphoState(
  client: PublicClient<Transport, Chain>,
  params: {
    morpho: Address;
    markets: readonly Market[];
    borrowers: ReadonlyMap<Hex, ReadonlySet<Address>>;
    timestamp: bigint;
  } & BatchedReadOptions,
): Promise<MorphoState> {
  const heads = await readMorphoHeads(client, params);
  const [accrued, positions] = await Promise.all([
    accrueMorphoMarkets(client, { ...params, heads }),
    readMorphoPositions(client, params),
  ]);
  return assembleMorphoState(params, heads, accrued, positions);
}

/** Morpho's slice of the snapshot from its parts. */
export function assembleMorphoState(
  params: { morpho: Address; markets: readonly Market[] },
  heads: readonly MorphoMarketHead[],
  accrued: readonly MorphoMarketState[],
  positions: readonly { borrower: Address; position: MorphoPosition }[][],
): MorphoState {
  return {
    morpho: params.morpho,
    markets: params.markets.map((m, i) => ({
      id: m.id,
      params: m.params,
      state: accrued[i],
      ...(heads[i].price !== undefined ? { price: heads[i].price } : { priceError: heads[i].priceError }),
      positions: positions[i],
    })),
  };
}
