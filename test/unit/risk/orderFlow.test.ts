import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import {
  flowSide,
  flowUsd8,
  flowVerdict,
  poolOrderFlows,
  sumFlow,
  v2Swap,
  v3Swap,
  type PoolSwap,
} from "../../../src/risk/orderFlow.js";

const A = "0x00000000000000000000000000000000000000Aa" as Address;
const B = "0x00000000000000000000000000000000000000Bb" as Address;
const T0 = "0x0000000000000000000000000000000000000001" as Address;
const USD8 = 10n ** 8n;
const E18 = 10n ** 18n;

describe("order flow (pure)", () => {
  it("signs V2 and V3 swaps from the trader's side", () => {
    // V2: the pair pays out 2 token0 for 5,000 token1 in: the trader bought token0.
    expect(v2Swap(A, 1n, 0, { amount0In: 0n, amount1In: 5_000n, amount0Out: 2n, amount1Out: 0n })).toMatchObject({
      base: 2n,
      quote: 5_000n,
    });
    // V3: the pool received 3 token0 and paid out 7,000 token1: the trader sold token0.
    expect(v3Swap(B, 1n, 0, { amount0: 3n, amount1: -7_000n })).toMatchObject({ base: -3n, quote: -7_000n });
  });

  it("sums per pool and block range, buys and sells apart", () => {
    const swaps: PoolSwap[] = [
      { pool: A, block: 10n, logIndex: 0, base: 5n, quote: 0n },
      { pool: A, block: 10n, logIndex: 1, base: -2n, quote: 0n },
      { pool: A, block: 12n, logIndex: 0, base: 7n, quote: 0n },
      { pool: B, block: 12n, logIndex: 1, base: 100n, quote: 0n },
    ];
    expect(sumFlow(swaps, A, 10n, 10n)).toEqual({ base: 3n, bought: 5n, sold: 2n, swaps: 2 });
    expect(sumFlow(swaps, A, 10n, 12n)).toEqual({ base: 10n, bought: 12n, sold: 2n, swaps: 3 });
    expect(sumFlow(swaps, A, 11n, 11n)).toEqual({ base: 0n, bought: 0n, sold: 0n, swaps: 0 });
    // Address case does not matter.
    expect(sumFlow(swaps, B.toLowerCase() as Address, 0n, 99n).base).toBe(100n);
  });

  it("values a signed amount in USD symmetrically", () => {
    expect(flowUsd8(3n * E18, 18, 2_000n * USD8)).toBe(6_000n * USD8);
    expect(flowUsd8(-3n * E18, 18, 2_000n * USD8)).toBe(-6_000n * USD8);
    expect(flowUsd8(-1n, 18, 2_000n * USD8)).toBe(0n);
  });

  it("gives each pool its block and window figures, and says how the window stands to a trade", () => {
    const history: PoolSwap[] = [
      { pool: A, block: 96n, logIndex: 0, base: 1n * E18, quote: 0n },
      { pool: A, block: 99n, logIndex: 0, base: 2n * E18, quote: 0n },
      { pool: A, block: 100n, logIndex: 0, base: -1n * E18, quote: 0n },
    ];
    const [f] = poolOrderFlows(
      history,
      [{ protocol: "uniswap-v2", address: A, name: "X", token0: T0 }],
      100n,
      3,
      () => ({
        usd8: 2_000n * USD8,
        decimals: 18,
      }),
    );
    expect(f.block.base).toBe(-1n * E18);
    expect(f.window.base).toBe(1n * E18); // 96 is out of [98, 100]
    expect(f.blockUsd8).toBe(-2_000n * USD8);
    expect(f.windowUsd8).toBe(2_000n * USD8);
    // Traders net bought token0: a rebalance selling token0 goes against them, one buying it goes with them.
    expect(flowSide(f, true)).toBe("against");
    expect(flowSide(f, false)).toBe("with");
    expect(flowVerdict(f, true, "WETH").refuse).toBeUndefined();
    expect(flowVerdict(f, true, "WETH").note).toMatch(
      /^against: traders bought \$2,000\.00 of WETH net over the last 3 blocks \(2 swaps\)/,
    );
    expect(flowVerdict(f, true, "WETH", 1_999n * USD8).refuse).toMatch(/order flow against the rebalance/);
    expect(flowVerdict(f, true, "WETH", 2_000n * USD8).refuse).toBeUndefined();
    expect(flowVerdict(f, false, "WETH", 1n).refuse).toBeUndefined();
    const [none] = poolOrderFlows(
      [],
      [{ protocol: "uniswap-v3", address: B, name: "Y", token0: T0 }],
      100n,
      3,
      () => undefined,
    );
    expect(flowSide(none, true)).toBe("flat");
    expect(none.windowUsd8).toBeUndefined();
  });
});
