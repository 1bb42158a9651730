import { describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress, zeroAddress, type Address } from "viem";
import {
  encodeAction,
  feesFromBaseFee,
  Funding,
  gasCostWei,
  gasWithinProfit,
  keeperExecutorAbi,
  profitToken,
  withMinProfit,
  type ExecutorAction,
} from "../../src/executor/index.js";

/** Pure parts of the executor's TypeScript side: fee policy, gas guard, action encoding and profit tokens. */

const A = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const GWEI = 10n ** 9n;

describe("fees", () => {
  it("maxFeePerGas = 2 * baseFee + priority, under the cap", () => {
    expect(feesFromBaseFee(10n * GWEI, { priorityFeePerGas: 2n * GWEI, maxFeePerGasCap: 100n * GWEI })).toEqual({
      maxFeePerGas: 22n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
      baseFeePerGas: 10n * GWEI,
      capped: false,
    });
  });

  it("the cap wins, and the tip never exceeds the fee cap", () => {
    expect(feesFromBaseFee(50n * GWEI, { priorityFeePerGas: 2n * GWEI, maxFeePerGasCap: 60n * GWEI })).toMatchObject({
      maxFeePerGas: 60n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
      capped: true,
    });
    expect(feesFromBaseFee(1n, { priorityFeePerGas: 500n * GWEI, maxFeePerGasCap: 100n * GWEI })).toMatchObject({
      maxFeePerGas: 100n * GWEI,
      maxPriorityFeePerGas: 100n * GWEI,
    });
  });

  it("rejects a nonsensical policy", () => {
    expect(() => feesFromBaseFee(1n, { priorityFeePerGas: -1n, maxFeePerGasCap: 1n })).toThrow(/fee configuration/);
    expect(() => feesFromBaseFee(1n, { priorityFeePerGas: 1n, maxFeePerGasCap: 0n })).toThrow(/fee configuration/);
  });

  it("gas guard: worst-case cost (limit * maxFee) must not exceed the expected profit in wei", () => {
    expect(gasCostWei(500_000n, { maxFeePerGas: 20n * GWEI })).toBe(10n ** 16n);
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 20n * GWEI, expectedProfitWei: 10n ** 16n })).toBe(true);
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 20n * GWEI, expectedProfitWei: 10n ** 16n - 1n })).toBe(false);
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 1n, expectedProfitWei: 0n })).toBe(false);
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 1n, expectedProfitWei: -5n })).toBe(false);
  });
});

describe("actions", () => {
  const market = { loanToken: A(10), collateralToken: A(11), oracle: A(12), irm: A(13), lltv: 860_000_000_000_000_000n };
  const actions: { action: ExecutorAction; token: Address }[] = [
    {
      action: {
        kind: "liquidateAaveV2Flash",
        params: { aavePool: A(1), flashPair: A(2), collateralAsset: A(3), debtAsset: A(4), user: A(5), debtToCover: 7n, swapPair: zeroAddress, minProfit: 1n },
      },
      token: A(3),
    },
    {
      action: {
        kind: "liquidateAaveMorphoFlash",
        params: { aavePool: A(1), morpho: A(2), collateralAsset: A(3), debtAsset: A(4), user: A(5), debtToCover: 7n, swapPair: A(6), minProfit: 1n },
      },
      token: A(4),
    },
    {
      action: { kind: "liquidateMorpho", params: { morpho: A(2), marketParams: market, borrower: A(5), seizedAssets: 9n, swapPair: A(6), minProfit: 1n } },
      token: A(10),
    },
    {
      action: {
        kind: "rebalanceV2",
        params: { pair: A(20), zeroForOne: true, amountIn: 5n, targetPriceX112: 1n << 112n, toleranceBps: 5, funding: Funding.V3Flash, fundingPool: A(21), minProfit: 0n },
        tokens: { token0: A(22), token1: A(23) },
      },
      token: A(23),
    },
    {
      action: {
        kind: "rebalanceV3",
        params: { pool: A(30), zeroForOne: false, amountIn: 5n, sqrtPriceLimitX96: 1n << 96n, toleranceBps: 1, funding: Funding.V2Flash, fundingPool: A(31), minProfit: 0n },
        tokens: { token0: A(32), token1: A(33) },
      },
      token: A(32),
    },
  ];

  it.each(actions)("$action.kind: encodes to its entry point with the struct field for field, profit in the right token", ({ action, token }) => {
    const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(action) });
    expect(decoded.functionName).toBe(action.kind);
    expect(decoded.args?.[0]).toEqual(action.params);
    expect(profitToken(action)).toBe(token);
  });

  it("withMinProfit raises the on-chain floor, never lowers it, and leaves the input untouched", () => {
    const action = actions[0]!.action;
    const raised = withMinProfit(action, 100n);
    expect(raised.params.minProfit).toBe(100n);
    expect(action.params.minProfit).toBe(1n);
    expect(withMinProfit(raised, 5n)).toBe(raised);
  });

  it("encodes only the struct: extra keys on a richer params object do not reach the calldata", () => {
    const base = actions[3]!.action;
    const rich = { ...base, params: { ...base.params, note: "from the scanner" } } as unknown as ExecutorAction;
    expect(encodeAction(rich)).toBe(encodeAction(base));
  });
});
