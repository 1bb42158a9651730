import { describe, expect, it } from "vitest";
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  InsufficientFundsError,
  NonceTooLowError,
  parseAbi,
  RpcRequestError,
  TimeoutError,
  TransactionExecutionError,
  WaitForTransactionReceiptTimeoutError,
  type Hex,
} from "viem";
import { KeeperError } from "../../src/errors.js";
import {
  classifyError,
  decodeExecutorError,
  decodeRevertData,
  ExecutorRevertError,
  ExecutorRpcError,
  isExecutorError,
  keeperExecutorAbi,
} from "../../src/executor/index.js";

/** Revert data decoding and error classification, on errors shaped exactly as viem and nodes produce them. */

const reasonData = (reason: string): Hex =>
  encodeErrorResult({ abi: parseAbi(["error Error(string)"]), errorName: "Error", args: [reason] });
const USER = "0x1111111111111111111111111111111111111111";
const TOKEN = "0x2222222222222222222222222222222222222222";

describe("decodeRevertData", () => {
  it("decodes the executor's custom errors with their arguments", () => {
    const data = encodeErrorResult({ abi: keeperExecutorAbi(), errorName: "InsufficientProfit", args: [5n, 10n] });
    expect(decodeRevertData(data)).toMatchObject({
      errorName: "InsufficientProfit",
      args: [5n, 10n],
      source: "executor",
    });
    const bal = encodeErrorResult({ abi: keeperExecutorAbi(), errorName: "BalanceDecreased", args: [TOKEN, 7n, 3n] });
    expect(decodeRevertData(bal)).toMatchObject({
      errorName: "BalanceDecreased",
      args: [TOKEN, 7n, 3n],
      source: "executor",
    });
    const price = encodeErrorResult({ abi: keeperExecutorAbi(), errorName: "PriceOutOfTolerance", args: [99n, 100n] });
    expect(decodeRevertData(price)).toMatchObject({ errorName: "PriceOutOfTolerance", args: [99n, 100n] });
  });

  it("names Aave V3 codes, Morpho Blue messages, Uniswap V2 and V3 reasons", () => {
    expect(decodeRevertData(reasonData("45"))).toMatchObject({
      errorName: "HEALTH_FACTOR_NOT_BELOW_THRESHOLD",
      source: "aave",
      reason: "45",
    });
    expect(decodeRevertData(reasonData("46"))).toMatchObject({
      errorName: "COLLATERAL_CANNOT_BE_LIQUIDATED",
      source: "aave",
    });
    expect(decodeRevertData(reasonData("47"))).toMatchObject({
      errorName: "SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER",
      source: "aave",
    });
    expect(decodeRevertData(reasonData("29"))).toMatchObject({ errorName: "RESERVE_PAUSED", source: "aave" });
    expect(decodeRevertData(reasonData("90"))).toMatchObject({ errorName: "AAVE_90", source: "aave" });
    expect(decodeRevertData(reasonData("position is healthy"))).toMatchObject({
      errorName: "HEALTHY_POSITION",
      source: "morpho",
    });
    expect(decodeRevertData(reasonData("UniswapV2: K"))).toMatchObject({
      errorName: "K",
      source: "uniswapV2",
      reason: "UniswapV2: K",
    });
    expect(decodeRevertData(reasonData("UniswapV2: INSUFFICIENT_LIQUIDITY"))).toMatchObject({
      errorName: "INSUFFICIENT_LIQUIDITY",
      source: "uniswapV2",
    });
    expect(decodeRevertData(reasonData("SPL"))).toMatchObject({ errorName: "SPL", source: "uniswapV3" });
    expect(decodeRevertData(reasonData("something else"))).toMatchObject({
      errorName: "Error",
      source: "unknown",
      args: ["something else"],
    });
  });

  it("decodes panics, OpenZeppelin token errors, unknown selectors and empty reverts", () => {
    const panic = encodeErrorResult({ abi: parseAbi(["error Panic(uint256)"]), errorName: "Panic", args: [0x11n] });
    expect(decodeRevertData(panic)).toMatchObject({ errorName: "Panic", args: [0x11n], source: "solidity" });
    expect(decodeRevertData(panic).description).toContain("overflow");
    const erc20 = encodeErrorResult({
      abi: parseAbi(["error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)"]),
      errorName: "ERC20InsufficientBalance",
      args: [USER, 1n, 2n],
    });
    expect(decodeRevertData(erc20)).toMatchObject({
      errorName: "ERC20InsufficientBalance",
      args: [USER, 1n, 2n],
      source: "token",
    });
    expect(decodeRevertData("0xdeadbeef")).toMatchObject({
      errorName: "UnknownError",
      args: ["0xdeadbeef"],
      source: "unknown",
    });
    expect(decodeRevertData("0x")).toMatchObject({ errorName: "EmptyRevert", args: [] });
  });
});

describe("decodeExecutorError", () => {
  const abi = keeperExecutorAbi();

  it("finds revert data in viem's contract error chain (simulateContract)", () => {
    const data = encodeErrorResult({ abi, errorName: "NotAuthorized", args: [USER] });
    const err = new ContractFunctionExecutionError(
      new ContractFunctionRevertedError({ abi, data, functionName: "setKeeper" }),
      {
        abi,
        functionName: "setKeeper",
        args: [USER],
      },
    );
    const decoded = decodeExecutorError(err);
    expect(decoded).toBeInstanceOf(ExecutorRevertError);
    expect(decoded).toBeInstanceOf(KeeperError);
    expect(decoded.classification).toBe("deterministic");
    expect(isExecutorError(decoded, "NotAuthorized")).toBe(true);
    expect((decoded as ExecutorRevertError).args).toEqual([USER]);
    expect(decoded.cause).toBe(err);
  });

  it("finds revert data a node put on its JSON-RPC error (hex, or nested { data })", () => {
    const hex = reasonData("UniswapV2: K");
    const rpc = new RpcRequestError({
      body: {},
      url: "http://x",
      error: { code: 3, message: "execution reverted", data: hex },
    });
    const decoded = decodeExecutorError(new TransactionExecutionError(rpc, {} as never));
    expect(decoded).toMatchObject({ errorName: "K", source: "uniswapV2" });
    const nested = new Error("outer", {
      cause: Object.assign(new Error("inner"), { data: { data: reasonData("45") } }),
    });
    expect(decodeExecutorError(nested)).toMatchObject({ errorName: "HEALTH_FACTOR_NOT_BELOW_THRESHOLD" });
  });

  it("treats a revert without data as a deterministic EmptyRevert", () => {
    const err = new ContractFunctionRevertedError({ abi, functionName: "rebalanceV2" });
    expect(decodeExecutorError(err)).toMatchObject({ errorName: "EmptyRevert", classification: "deterministic" });
  });

  it("classifies RPC trouble: timeouts, 429, 5xx and stale nonces are transient; funds and 4xx are not", () => {
    const transient = [
      new TimeoutError({ body: {}, url: "http://x" }),
      new HttpRequestError({ url: "http://x", status: 429 }),
      new HttpRequestError({ url: "http://x", status: 503 }),
      new NonceTooLowError({ nonce: 1 }),
      new WaitForTransactionReceiptTimeoutError({ hash: "0x01" }),
      new Error("request failed", { cause: new Error("read ECONNRESET") }),
      new Error("Too Many Requests"),
      new HttpRequestError({ url: "http://x", cause: new TypeError("fetch failed") }),
    ];
    for (const err of transient) {
      const decoded = decodeExecutorError(err);
      expect(decoded, String(err)).toBeInstanceOf(ExecutorRpcError);
      expect(decoded.classification, String(err)).toBe("transient");
    }
    expect(decodeExecutorError(new HttpRequestError({ url: "http://x", status: 429 }))).toMatchObject({
      kind: "rate-limited",
    });
    expect(decodeExecutorError(new NonceTooLowError({ nonce: 1 }))).toMatchObject({ kind: "nonce" });
    expect(classifyError(new InsufficientFundsError())).toBe("deterministic");
    expect(classifyError(new HttpRequestError({ url: "http://x", status: 401 }))).toBe("deterministic");
    expect(classifyError(new Error("something unexpected"))).toBe("deterministic");
  });

  it("returns an already decoded error as it is", () => {
    const err = decodeExecutorError(new TimeoutError({ body: {}, url: "http://x" }));
    expect(decodeExecutorError(err)).toBe(err);
  });
});
