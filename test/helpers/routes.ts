import { getAddress, type Address } from "viem";
import type { InProcessChain } from "../../src/chain/inProcess.js";
import { readV3Pools, type V3PoolConfig } from "../../src/protocols/uniswapV3/read.js";
import { v2GetAmountOut } from "../../src/risk/uniswapV2/amounts.js";
import { simulateV3Swap } from "../../src/risk/uniswapV3/simulate.js";
import type { V3PoolState } from "../../src/risk/uniswapV3/types.js";
import { v2PairAbi } from "./abis.js";

/**
 * The executor's sale routes as the tests encode them (KeeperExecutor.SaleRoute), and an off-chain model of the
 * pools they trade on that predicts every hop with src/risk's Uniswap arithmetic, hop by hop, in execution order,
 * so a test can assert the exact outputs and the exact pool states a routed action leaves behind.
 */

/** KeeperExecutor.PoolKind. */
export const PoolKind = { UniswapV2: 0, UniswapV3: 1 } as const;

export interface RouteHop {
  kind: number;
  pool: Address;
  tokenOut: Address;
}
export interface RouteLeg {
  amountIn: bigint;
  hops: RouteHop[];
}
export interface SaleRoute {
  legs: RouteLeg[];
  minAmountOut: bigint;
}

type PoolModel =
  | { kind: "v2"; token0: Address; token1: Address; reserve0: bigint; reserve1: bigint }
  | { kind: "v3"; token0: Address; token1: Address; state: V3PoolState };

/** Current state of some V2 pairs and V3 pools, advanced by `sell`/`sellRoute` exactly as the chain will be. */
export class PoolModelSet {
  private constructor(private readonly pools: Map<Address, PoolModel>) {}

  /** Reads the pairs' reserves and the pools' full tick state from the chain. */
  static async load(
    chain: InProcessChain,
    v2: readonly { address: Address; token0: Address; token1: Address }[],
    v3: readonly V3PoolConfig[],
  ): Promise<PoolModelSet> {
    const pools = new Map<Address, PoolModel>();
    for (const p of v2) {
      const [reserve0, reserve1] = await chain.public.readContract({
        address: p.address,
        abi: v2PairAbi,
        functionName: "getReserves",
      });
      pools.set(getAddress(p.address), { kind: "v2", token0: p.token0, token1: p.token1, reserve0, reserve1 });
    }
    for (const s of await readV3Pools(chain.public, v3, { wordsEachSide: 4 })) {
      pools.set(getAddress(s.address), { kind: "v3", token0: s.token0, token1: s.token1, state: s.state });
    }
    return new PoolModelSet(pools);
  }

  /** Model of one pool (throws if it was not loaded). */
  get(pool: Address): PoolModel {
    const m = this.pools.get(getAddress(pool));
    if (!m) throw new Error(`pool ${pool} not in the model`);
    return m;
  }

  /** One exact-input swap: V2 getAmountOut on the modelled reserves, or a full V3 swap simulation. */
  sell(pool: Address, tokenIn: Address, amountIn: bigint): bigint {
    const m = this.get(pool);
    const zeroForOne = getAddress(tokenIn) === m.token0;
    if (m.kind === "v2") {
      const out = zeroForOne
        ? v2GetAmountOut(amountIn, m.reserve0, m.reserve1)
        : v2GetAmountOut(amountIn, m.reserve1, m.reserve0);
      if (zeroForOne) [m.reserve0, m.reserve1] = [m.reserve0 + amountIn, m.reserve1 - out];
      else [m.reserve0, m.reserve1] = [m.reserve0 - out, m.reserve1 + amountIn];
      return out;
    }
    const r = simulateV3Swap({ state: m.state, zeroForOne, amountSpecified: amountIn });
    if (r.amountIn !== amountIn) throw new Error(`model: V3 pool ${pool} cannot take ${amountIn}`);
    m.state = r.stateAfter;
    return r.amountOut;
  }

  /** A route sold as the executor sells it: the input split in the legs' proportions, the last leg the rest. */
  sellRoute(route: SaleRoute, tokenIn: Address, amountIn: bigint): { amountOut: bigint; legOut: bigint[] } {
    const planned = route.legs.reduce((s, l) => s + l.amountIn, 0n);
    let left = amountIn;
    const legOut: bigint[] = [];
    route.legs.forEach((leg, i) => {
      const legIn = i === route.legs.length - 1 ? left : (amountIn * leg.amountIn) / planned;
      left -= legIn;
      let amount = legIn;
      let token = tokenIn;
      if (legIn !== 0n) {
        for (const hop of leg.hops) {
          amount = this.sell(hop.pool, token, amount);
          token = hop.tokenOut;
        }
      }
      legOut.push(legIn === 0n ? 0n : amount);
    });
    return { amountOut: legOut.reduce((s, x) => s + x, 0n), legOut };
  }
}

/** One leg of one hop. */
export const leg = (amountIn: bigint, ...hops: [number, Address, Address][]): RouteLeg => ({
  amountIn,
  hops: hops.map(([kind, pool, tokenOut]) => ({ kind, pool, tokenOut })),
});
