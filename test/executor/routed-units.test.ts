import { describe, expect, it } from "vitest";
import { decodeFunctionData, encodeErrorResult, getAddress, type Address } from "viem";
import {
  aaveRoutedBatch,
  actionCall,
  decodeRevertData,
  EmptyBatchError,
  encodeAction,
  EXECUTOR_ACTION_EVENTS,
  EXECUTOR_ACTION_FUNCTIONS,
  EXECUTOR_ERROR_DESCRIPTIONS,
  EXECUTOR_ERRORS,
  FlashSource,
  isBatch,
  keeperExecutorAbi,
  keeperExecutorArtifact,
  MixedBatchProfitTokenError,
  morphoRoutedBatch,
  PoolKind,
  profitToken,
  totalExecutorProfit,
  withMinProfit,
  type AaveRoutedLiquidationParams,
  type ExecutorAction,
  type ExecutorEvent,
  type MorphoRoutedLiquidationParams,
  type SaleRoute,
} from "../../src/executor/index.js";

/** The params as the executor's ABI has them: aavePool and morpho are fixed in the contract, not sent. */
function onChain<T extends object>(p: T): Omit<T, "aavePool" | "morpho"> {
  const { aavePool: _aavePool, morpho: _morpho, ...rest } = p as T & { aavePool?: unknown; morpho?: unknown };
  return rest as Omit<T, "aavePool" | "morpho">;
}

/** Pure parts of the routed liquidation actions: encoding against the artifact's ABI, profit tokens, batch floors, errors. */

const A = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const market = (loanToken = A(10)) => ({
  loanToken,
  collateralToken: A(11),
  oracle: A(12),
  irm: A(13),
  lltv: 860_000_000_000_000_000n,
});
const route: SaleRoute = {
  legs: [
    { amountIn: 5n, hops: [{ kind: PoolKind.UniswapV2, pool: A(40), tokenOut: A(10) }] },
    {
      amountIn: 3n,
      hops: [
        { kind: PoolKind.UniswapV2, pool: A(41), tokenOut: A(14) },
        { kind: PoolKind.UniswapV3, pool: A(42), tokenOut: A(10) },
      ],
    },
  ],
  minAmountOut: 77n,
};
const morpho = (borrower: number, minProfit: bigint, loanToken = A(10)): MorphoRoutedLiquidationParams => ({
  morpho: A(2),
  marketParams: market(loanToken),
  borrower: A(borrower),
  seizedAssets: 9n * BigInt(borrower),
  repaidShares: 0n,
  route,
  minProfit,
});
const aave = (
  user: number,
  minProfit: bigint,
  debtAsset = A(4),
  source: FlashSource = FlashSource.UniswapV3Flash,
): AaveRoutedLiquidationParams => ({
  aavePool: A(1),
  collateralAsset: A(3),
  debtAsset,
  user: A(user),
  debtToCover: 1_000n * BigInt(user),
  source,
  lender: A(50),
  route,
  minProfit,
});

/** What `fn` threw (fails the test when it does not throw). */
function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("routed liquidation actions: encoding", () => {
  it("the artifact has the four entry points, two events and three errors, and the lists name them", () => {
    expect(EXECUTOR_ACTION_FUNCTIONS).toEqual(
      expect.arrayContaining([
        "liquidateMorphoRouted",
        "liquidateMorphoBatch",
        "liquidateAaveRouted",
        "liquidateAaveRoutedBatch",
      ]),
    );
    expect(EXECUTOR_ACTION_EVENTS).toEqual(expect.arrayContaining(["MorphoLiquidatedRouted", "AaveLiquidatedRouted"]));
    expect(EXECUTOR_ERRORS).toEqual(expect.arrayContaining(["RouteOutputTooLow", "InvalidRoute", "PartialFill"]));
    // keeperExecutorArtifact() checks every listed name against the artifact (ExecutorAbiMismatchError otherwise).
    expect(() => keeperExecutorArtifact()).not.toThrow();
    const fn = keeperExecutorAbi().find((x) => x.type === "function" && x.name === "liquidateAaveRoutedBatch");
    expect(fn).toMatchObject({ inputs: [{ type: "tuple[]" }], outputs: [{ name: "totalProfit", type: "uint256" }] });
  });

  const singles: { action: ExecutorAction; token: Address }[] = [
    { action: { kind: "liquidateMorphoRouted", params: morpho(5, 1n) }, token: A(10) },
    {
      action: { kind: "liquidateMorphoRouted", params: { ...morpho(5, 1n), seizedAssets: 0n, repaidShares: 123n } },
      token: A(10),
    },
    ...[FlashSource.AaveFlashLoan, FlashSource.UniswapV3Flash, FlashSource.MorphoFlashLoan].map((source) => ({
      action: { kind: "liquidateAaveRouted", params: aave(6, 2n, A(4), source) } as ExecutorAction,
      token: A(4),
    })),
  ];

  it.each(singles)(
    "$action.kind: round-trips through decodeFunctionData field for field (enums as numbers), profit in the right token",
    ({ action, token }) => {
      const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(action) });
      expect(decoded.functionName).toBe(action.kind);
      expect(decoded.args).toEqual([onChain(action.params)]);
      expect(profitToken(action)).toBe(token);
      expect(isBatch(action)).toBe(false);
    },
  );

  it("batches: the constructors sum the floors; only the items are encoded, in order, round-tripping field for field", () => {
    const m = morphoRoutedBatch([morpho(5, 10n), morpho(6, 20n)]);
    const a = aaveRoutedBatch([
      aave(7, 1n, A(4), FlashSource.AaveFlashLoan),
      aave(8, 2n, A(4), FlashSource.MorphoFlashLoan),
    ]);
    expect(m).toEqual({
      kind: "liquidateMorphoBatch",
      params: { items: [morpho(5, 10n), morpho(6, 20n)], minProfit: 30n },
    });
    expect(a.params.minProfit).toBe(3n);
    for (const action of [m, a] as ExecutorAction[]) {
      expect(isBatch(action)).toBe(true);
      const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(action) });
      expect(decoded.functionName).toBe(action.kind);
      expect(decoded.args).toEqual([(action.params as { items: object[] }).items.map(onChain)]);
      expect(actionCall(action).functionName).toBe(action.kind);
      // The informational total is not sent.
      expect(encodeAction({ ...action, params: { ...action.params, minProfit: 999n } } as ExecutorAction)).toBe(
        encodeAction(action),
      );
    }
    expect(profitToken(m)).toBe(A(10));
    expect(profitToken(a)).toBe(A(4));
  });

  it("encodes only the structs: extra keys on params, route, legs and hops do not reach the calldata", () => {
    const base: ExecutorAction = { kind: "liquidateAaveRouted", params: aave(6, 2n) };
    const richRoute = {
      ...route,
      note: "planner",
      legs: route.legs.map((l) => ({ ...l, venue: "x", hops: l.hops.map((h) => ({ ...h, fee: 3000 })) })),
    };
    const rich = {
      kind: "liquidateAaveRouted",
      params: { ...aave(6, 2n), route: richRoute, score: 1 },
    } as unknown as ExecutorAction;
    expect(encodeAction(rich)).toBe(encodeAction(base));
    const richBatch = { ...morphoRoutedBatch([morpho(5, 1n)]), extra: true } as unknown as ExecutorAction;
    expect(encodeAction(richBatch)).toBe(encodeAction(morphoRoutedBatch([morpho(5, 1n)])));
  });
});

describe("routed liquidation batches: profit token and floors", () => {
  it("empty batches and mixed profit tokens are refused with typed errors naming the entry point", () => {
    expect(() => morphoRoutedBatch([])).toThrow(EmptyBatchError);
    expect(() => aaveRoutedBatch([])).toThrow(EmptyBatchError);
    const empty = caught(() => aaveRoutedBatch([]));
    expect(empty).toBeInstanceOf(EmptyBatchError);
    expect((empty as EmptyBatchError).batchKind).toBe("liquidateAaveRoutedBatch");
    expect((empty as Error).message).toContain("liquidateAaveRoutedBatch");
    expect(() => profitToken({ kind: "liquidateMorphoBatch", params: { items: [], minProfit: 0n } })).toThrow(
      EmptyBatchError,
    );

    expect(() => morphoRoutedBatch([morpho(5, 1n), morpho(6, 1n, A(99))])).toThrow(MixedBatchProfitTokenError);
    const mixed = caught(() => aaveRoutedBatch([aave(5, 1n), aave(6, 1n, A(98)), aave(7, 1n)]));
    expect(mixed).toBeInstanceOf(MixedBatchProfitTokenError);
    expect((mixed as MixedBatchProfitTokenError).tokens).toEqual([A(4), A(98)]);
    expect((mixed as MixedBatchProfitTokenError).batchKind).toBe("liquidateAaveRoutedBatch");
    // Same address in another case is one token; the collateral may differ (only the debt asset is paid out).
    const lower = A(4).toLowerCase() as Address;
    expect(profitToken(aaveRoutedBatch([aave(5, 1n), { ...aave(6, 1n, lower), collateralAsset: A(77) }]))).toBe(A(4));
  });

  it.each([
    {
      name: "liquidateMorphoBatch",
      make: (floors: bigint[]) => morphoRoutedBatch(floors.map((f, i) => morpho(5 + i, f))),
    },
    {
      name: "liquidateAaveRoutedBatch",
      make: (floors: bigint[]) => aaveRoutedBatch(floors.map((f, i) => aave(5 + i, f))),
    },
  ])(
    "withMinProfit on $name: untouched up to the sum of the floors, else only the last item's floor is raised by the difference",
    ({ make }) => {
      const action = make([10n, 20n, 30n]);
      expect(withMinProfit(action, 0n)).toBe(action);
      expect(withMinProfit(action, 60n)).toBe(action);
      const raised = withMinProfit(action, 100n);
      expect(raised.kind).toBe(action.kind);
      expect(raised.params.items.map((i) => i.minProfit)).toEqual([10n, 20n, 70n]);
      expect(raised.params.items.slice(0, 2)).toEqual(action.params.items.slice(0, 2));
      expect(raised.params.minProfit).toBe(100n);
      expect(action.params.items.map((i) => i.minProfit)).toEqual([10n, 20n, 30n]); // input untouched
      expect(withMinProfit(raised, 80n)).toBe(raised);
      const decoded = decodeFunctionData({ abi: keeperExecutorAbi(), data: encodeAction(raised) });
      expect((decoded.args?.[0] as { minProfit: bigint }[]).map((i) => i.minProfit)).toEqual([10n, 20n, 70n]);
      // An empty batch built by hand cannot take a floor.
      expect(() => withMinProfit({ ...action, params: { items: [], minProfit: 0n } } as ExecutorAction, 1n)).toThrow(
        EmptyBatchError,
      );
    },
  );

  it("withMinProfit on a single routed liquidation raises its minProfit (not the route's minAmountOut), never lowers it", () => {
    const action: ExecutorAction = { kind: "liquidateMorphoRouted", params: morpho(5, 10n) };
    const raised = withMinProfit(action, 50n);
    expect(raised.params.minProfit).toBe(50n);
    if (raised.kind !== "liquidateMorphoRouted") throw new Error("kind changed");
    expect(raised.params.route).toBe(route);
    expect(withMinProfit(raised, 5n)).toBe(raised);
  });
});

describe("routed liquidation events and errors", () => {
  it("totalExecutorProfit sums routed events", () => {
    const evs: ExecutorEvent[] = [
      {
        eventName: "MorphoLiquidatedRouted",
        args: {
          marketId: `0x${"ab".repeat(32)}`,
          borrower: A(5),
          seizedAssets: 9n,
          repaidAssets: 4n,
          loanFromRoute: 10n,
          profit: 6n,
        },
      },
      {
        eventName: "AaveLiquidatedRouted",
        args: {
          user: A(6),
          collateralAsset: A(3),
          debtAsset: A(4),
          source: FlashSource.AaveFlashLoan,
          debtRepaid: 5n,
          collateralSeized: 2n,
          debtFromRoute: 9n,
          flashFee: 1n,
          profit: 3n,
        },
      },
    ];
    expect(totalExecutorProfit(evs)).toBe(9n);
  });

  it("decodes RouteOutputTooLow, InvalidRoute and PartialFill by name with their arguments and a description", () => {
    const abi = keeperExecutorAbi();
    const cases = [
      { errorName: "RouteOutputTooLow", args: [5n, 10n] },
      { errorName: "InvalidRoute", args: [1n, A(10)] },
      { errorName: "PartialFill", args: [A(42), 7n, 9n] },
    ] as const;
    for (const c of cases) {
      const decoded = decodeRevertData(encodeErrorResult({ abi, errorName: c.errorName, args: [...c.args] }));
      expect(decoded).toMatchObject({ errorName: c.errorName, args: c.args, source: "executor" });
      expect(decoded.description).toBe(EXECUTOR_ERROR_DESCRIPTIONS[c.errorName]);
      expect(decoded.description).toContain(c.errorName);
    }
  });
});
