/** Synthetic tokens and venues for the routing tests. */
import type { Address } from "viem";
import type { V2Venue, V3Venue } from "../../../../src/risk/route/index.js";
import { poolAtTick, type TestPosition } from "../v3pool.js";

export const WETH = "0x00000000000000000000000000000000000000e1" as Address;
export const USDC = "0x00000000000000000000000000000000000000c6" as Address;
export const WBTC = "0x00000000000000000000000000000000000000b8" as Address;

let next = 0x1000;
const freshAddress = (): Address => `0x${(next++).toString(16).padStart(40, "0")}` as Address;

/** A V2 pair holding `amountA` of tokenA and `amountB` of tokenB (sorted into token0/token1 by address). */
export function v2(tokenA: Address, amountA: bigint, tokenB: Address, amountB: bigint): V2Venue {
  const aFirst = tokenA.toLowerCase() < tokenB.toLowerCase();
  return aFirst
    ? { kind: "v2", address: freshAddress(), token0: tokenA, token1: tokenB, reserve0: amountA, reserve1: amountB }
    : { kind: "v2", address: freshAddress(), token0: tokenB, token1: tokenA, reserve0: amountB, reserve1: amountA };
}

/** A V3 pool token0/token1 at `tick` with the given positions. */
export function v3(
  token0: Address,
  token1: Address,
  tick: number,
  fee: number,
  tickSpacing: number,
  positions: TestPosition[],
): V3Venue {
  return {
    kind: "v3",
    address: freshAddress(),
    token0,
    token1,
    fee,
    state: poolAtTick(tick, { fee, tickSpacing, positions }),
  };
}
