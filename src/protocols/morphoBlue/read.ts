import { zeroAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { readBatched, unwrap, type BatchedReadOptions, type ReadCall } from "../../chain/multicall.js";
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
  /** `oracle.price()`, 1e36-scaled loan units per collateral unit. */
  price: bigint;
  positions: { borrower: Address; position: MorphoPosition }[];
}

export interface MorphoState {
  morpho: Address;
  markets: MorphoMarketSnapshot[];
}

/**
 * Reads every watched market and every known borrower's position in two batched rounds (market + oracle + IRM
 * rate; then positions), and accrues interest off-chain to `timestamp` so health checks match what `liquidate`
 * will see (Morpho accrues before checking).
 */
export async function readMorphoState(
  client: PublicClient<Transport, Chain>,
  params: {
    morpho: Address;
    markets: readonly { id: Hex; params: MorphoMarketParams }[];
    borrowers: ReadonlyMap<Hex, ReadonlySet<Address>>;
    timestamp: bigint;
  } & BatchedReadOptions,
): Promise<MorphoState> {
  const { morpho, markets } = params;
  const head = await readBatched<any>(
    client,
    markets.flatMap((m) => [
      { address: morpho, abi: morphoAbi, functionName: "market", args: [m.id] },
      { address: m.params.oracle, abi: morphoOracleAbi, functionName: "price" },
    ]),
    params,
  );
  const states = markets.map((m, i) => {
    const r = unwrap(head[2 * i], `Morpho market ${m.id}`) as bigint[];
    const state: MorphoMarketState = {
      totalSupplyAssets: r[0],
      totalSupplyShares: r[1],
      totalBorrowAssets: r[2],
      totalBorrowShares: r[3],
      lastUpdate: r[4],
      fee: r[5],
    };
    return { state, price: unwrap(head[2 * i + 1], `Morpho oracle ${m.params.oracle}`) as bigint };
  });
  const rateCalls: ReadCall[] = markets
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.params.irm !== zeroAddress)
    .map(({ m, i }) => ({ address: m.params.irm, abi: irmAbi, functionName: "borrowRateView", args: [m.params, states[i].state] }));
  const rates = rateCalls.length ? await readBatched<bigint>(client, rateCalls, params) : [];
  let rateCursor = 0;
  const accrued = markets.map((m, i) => {
    const borrowRate = m.params.irm === zeroAddress ? 0n : unwrap(rates[rateCursor++], `borrow rate of ${m.id}`);
    return accrueMorphoInterest({ market: states[i].state, irm: m.params.irm, borrowRate, timestamp: params.timestamp }).market;
  });

  const pairs = markets.flatMap((m) => [...(params.borrowers.get(m.id.toLowerCase() as Hex) ?? [])].map((b) => ({ m, b })));
  const pos = await readBatched<readonly [bigint, bigint, bigint]>(
    client,
    pairs.map(({ m, b }) => ({ address: morpho, abi: morphoAbi, functionName: "position", args: [m.id, b] })),
    params,
  );
  return {
    morpho,
    markets: markets.map((m, i) => ({
      id: m.id,
      params: m.params,
      state: accrued[i],
      price: states[i].price,
      positions: pairs
        .map((p, k) => ({ p, r: pos[k] }))
        .filter(({ p, r }) => p.m.id === m.id && r.ok)
        .map(({ p, r }) => {
          const v = (r as { value: readonly [bigint, bigint, bigint] }).value;
          return { borrower: p.b, position: { supplyShares: v[0], borrowShares: v[1], collateral: v[2] } };
        })
        .filter((x) => x.position.borrowShares > 0n),
    })),
  };
}
