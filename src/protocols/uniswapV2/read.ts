import type { Address, Chain, PublicClient, Transport } from "viem";
import { readBatched, type BatchedReadOptions } from "../../chain/multicall.js";
import { v2PairAbi } from "./abi.js";

/** A watched V2 pair: its tokens are known from the deployment, its reserves are read each block. */
export interface V2PairConfig {
  name: string;
  address: Address;
  token0: Address;
  token1: Address;
}

export interface V2PairState extends V2PairConfig {
  reserve0: bigint;
  reserve1: bigint;
}

/** Reserves of every pair in one batched read; a pair whose read fails is left out of this block. */
export async function readV2Pairs(
  client: PublicClient<Transport, Chain>,
  pairs: readonly V2PairConfig[],
  options: BatchedReadOptions = {},
): Promise<V2PairState[]> {
  const res = await readBatched<readonly [bigint, bigint, number]>(
    client,
    pairs.map((p) => ({ address: p.address, abi: v2PairAbi, functionName: "getReserves" })),
    options,
  );
  const out: V2PairState[] = [];
  pairs.forEach((p, i) => {
    const r = res[i];
    if (r.ok) out.push({ ...p, reserve0: r.value[0], reserve1: r.value[1] });
  });
  return out;
}
