import { describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress, zeroAddress, type Address } from "viem";
import {
  aaveV2FlashBatch,
  EmptyBatchError,
  EXECUTOR_ACTION_FUNCTIONS,
  EXECUTOR_ERRORS,
  encodeAction,
  actionCall,
  feesFromBaseFee,
  keeperExecutorArtifact,
  MixedBatchCollateralError,
  totalExecutorProfit,
  type AaveLiquidationParams,
  type ExecutorEvent,
  Funding,
  gasCostWei,
  gasWithinProfit,
  keeperExecutorAbi,
  profitToken,
  withMinProfit,
  type ExecutorAction,
} from "../../src/executor/index.js";

/** The params as the executor's ABI has them: aavePool and morpho are fixed in the contract, not sent. */
function onChain<T extends object>(p: T): Omit<T, "aavePool" | "morpho"> {
  const { aavePool: _aavePool, morpho: _morpho, ...rest } = p as T & { aavePool?: unknown; morpho?: unknown };
  return rest as Omit<T, "aavePool" | "morpho">;
}

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
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 20n * GWEI, expectedProfitWei: 10n ** 16n - 1n })).toBe(
      false,
    );
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 1n, expectedProfitWei: 0n })).toBe(false);
    expect(gasWithinProfit({ gasLimit: 500_000n, maxFeePerGas: 1n, expectedProfitWei: -5n })).toBe(false);
  });
});

describe("actions", () => {
  const market = {
    loanToken: A(10),
    collateralToken: A(11),
    oracle: A(12),
    irm: A(13),
    lltv: 860_000_000_000_000_000n,
  };
  const actions: { action: ExecutorAction; token: Address }[] = [
    {
      action: {
        kind: "liquidateAaveV2Flash",
        params: {
          aavePool: A(1),
          flashPair: A(2),
          collateralAsset: A(3),
          debtAsset: A(4),
          user: A(5),
          debtToCover: 7n,
          swapPair: zeroAddress,
          minProfit: 1n,
        },
      },
      token: A(3),
    },
    {
      action: {
        kind: "liquidateAaveMorphoFlash",
        params: {
          aavePool: A(1),
          morpho: A(2),
          collateralAsset: A(3),
          debtAsset: A(4),
          user: A(5),
          debtToCover: 7n,
          swapPair: A(6),
          minProfit: 1n,
        },
      },
      token: A(4),
    },
    {
      action: {
        kind: "liquidateMorpho",
        params: { morpho: A(2), marketParams: market, borrower: A(5), seizedAssets: 9n, swapPair: A(6), minProfit: 1n },
      },
      token: A(10),
    },
    {
      action: {
        kind: "rebalanceV2",
        params: {
          pair: A(20),
          zeroForOne: true,
          amountIn: 5n,
          targetPriceX112: 1n << 112n,
          toleranceBps: 5,
          funding: Funding.V3Flash,
          fundingPool: A(21),
          minProfit: 0n,
        },
        tokens: { token0: A(22), token1: A(23) },
      },
      token: A(23),
    },
    {
      action: {
        kind: "rebalanceV3",
        params: {
          pool: A(30),
          zeroForOne: false,
          amountIn: 5n,
          sqrtPriceLimitX96: 1n << 96n,
          toleranceBps: 1,
          funding: Funding.V2Flash,
          fundingPool: A(31),
          minProfit: 0n,
        },
        tokens: { token0: A(32), token1: A(33) },
      },
      token: A(32),
    },
  ];

  it.each(actions)(
    "$action.kind: encodes to its entry point with the struct field for field, profit in the right token",
    ({ action, token }) => {
      const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(action) });
      expect(decoded.functionName).toBe(action.kind);
      expect(decoded.args?.[0]).toEqual(onChain(action.params));
      expect(profitToken(action)).toBe(token);
    },
  );

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

describe("Aave V2-flash liquidation batches", () => {
  const item = (user: number, minProfit: bigint, collateralAsset = A(3)): AaveLiquidationParams => ({
    aavePool: A(1),
    flashPair: A(2),
    collateralAsset,
    debtAsset: A(4),
    user: A(user),
    debtToCover: 1_000n * BigInt(user),
    swapPair: zeroAddress,
    minProfit,
  });
  const items = [item(5, 10n), item(6, 20n), item(7, 30n)];

  it("the ABI check knows the batch entry point and EmptyBatch (the artifact has both)", () => {
    expect(EXECUTOR_ACTION_FUNCTIONS).toContain("liquidateAaveV2FlashBatch");
    expect(EXECUTOR_ERRORS).toContain("EmptyBatch");
    const abi = keeperExecutorArtifact().abi;
    const fn = abi.find((x) => x.type === "function" && x.name === "liquidateAaveV2FlashBatch");
    expect(fn).toMatchObject({ inputs: [{ type: "tuple[]" }], outputs: [{ name: "totalProfit", type: "uint256" }] });
    expect(abi.some((x) => x.type === "error" && x.name === "EmptyBatch")).toBe(true);
  });

  it("aaveV2FlashBatch: params.minProfit is the sum of the items' floors; encodes the items only, in order", () => {
    const action = aaveV2FlashBatch(items);
    expect(action).toEqual({ kind: "liquidateAaveV2FlashBatch", params: { items, minProfit: 60n } });
    const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(action) });
    expect(decoded.functionName).toBe("liquidateAaveV2FlashBatch");
    expect(decoded.args).toEqual([items.map(onChain)]);
    expect(actionCall(action)).toEqual({ functionName: "liquidateAaveV2FlashBatch", args: [items.map(onChain)] });
    // The informational total is not sent: changing it does not change the calldata.
    expect(encodeAction({ ...action, params: { ...action.params, minProfit: 999n } })).toBe(encodeAction(action));
    // Extra keys on an item do not reach the calldata either.
    const rich = {
      ...action,
      params: { ...action.params, items: items.map((i) => ({ ...i, note: "scanner" })) },
    } as unknown as ExecutorAction;
    expect(encodeAction(rich)).toBe(encodeAction(action));
  });

  it("profitToken is the items' shared collateral; mixed collaterals and empty batches are refused", () => {
    expect(profitToken(aaveV2FlashBatch(items))).toBe(A(3));
    // Same address, different case: still one token.
    const lower = A(3).toLowerCase() as Address;
    expect(profitToken(aaveV2FlashBatch([item(5, 1n), item(6, 1n, lower)]))).toBe(A(3));
    const mixed: ExecutorAction = {
      kind: "liquidateAaveV2FlashBatch",
      params: { items: [item(5, 1n), item(6, 1n, A(9))], minProfit: 2n },
    };
    expect(() => profitToken(mixed)).toThrow(MixedBatchCollateralError);
    expect(() => aaveV2FlashBatch([item(5, 1n), item(6, 1n, A(9))])).toThrow(MixedBatchCollateralError);
    expect(() => aaveV2FlashBatch([])).toThrow(EmptyBatchError);
    expect(() => profitToken({ kind: "liquidateAaveV2FlashBatch", params: { items: [], minProfit: 0n } })).toThrow(
      EmptyBatchError,
    );
  });

  it("withMinProfit on a batch: untouched up to the sum of the floors, else only the last item's floor is raised by the difference", () => {
    const action = aaveV2FlashBatch(items);
    expect(withMinProfit(action, 0n)).toBe(action);
    expect(withMinProfit(action, 25n)).toBe(action); // above one item's floor, but the batch already pays 60
    expect(withMinProfit(action, 60n)).toBe(action);

    const raised = withMinProfit(action, 100n);
    expect(raised.params.minProfit).toBe(100n);
    expect(raised.params.items.map((i) => i.minProfit)).toEqual([10n, 20n, 70n]);
    expect(raised.params.items.slice(0, 2)).toEqual(items.slice(0, 2));
    expect(raised.params.items[2]).toEqual({ ...items[2], minProfit: 70n });
    // The input is untouched, and raising again to less is a no-op.
    expect(action.params.items.map((i) => i.minProfit)).toEqual([10n, 20n, 30n]);
    expect(action.params.minProfit).toBe(60n);
    expect(withMinProfit(raised, 80n)).toBe(raised);
    // What goes on chain carries the raised floor.
    const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(raised) });
    expect((decoded.args?.[0] as AaveLiquidationParams[]).map((i) => i.minProfit)).toEqual([10n, 20n, 70n]);
    // Generic code reading action.params.minProfit still sees the batch's floor.
    const generic: ExecutorAction = raised;
    expect(generic.params.minProfit).toBe(100n);
  });

  it("withMinProfit on a batch trusts the items, not a stale informational total", () => {
    const stale: ExecutorAction = { kind: "liquidateAaveV2FlashBatch", params: { items, minProfit: 1_000n } };
    const raised = withMinProfit(stale, 100n);
    if (raised.kind !== "liquidateAaveV2FlashBatch") throw new Error("kind changed");
    expect(raised.params.items.map((i) => i.minProfit)).toEqual([10n, 20n, 70n]);
    expect(raised.params.minProfit).toBe(100n);
  });

  it("totalExecutorProfit sums the per-item events of a batch", () => {
    const ev = (profit: bigint): ExecutorEvent => ({
      eventName: "AaveLiquidatedWithV2Flash",
      args: {
        user: A(5),
        collateralAsset: A(3),
        debtAsset: A(4),
        debtRepaid: 1n,
        collateralSeized: 2n,
        collateralToPair: 1n,
        profit,
      },
    });
    expect(totalExecutorProfit([ev(3n), ev(4n), ev(5n)])).toBe(12n);
    expect(totalExecutorProfit([])).toBeUndefined();
  });
});
