/**
 * Turns whatever a simulation or a transaction threw into one typed error the keeper can decide on: a revert
 * (decoded with the executor's ABI, or recognised as Aave's, Morpho's, Uniswap's or a token's own reason) is
 * `deterministic` - the same call on the same state fails again, so it is not retried until state changes -
 * while RPC trouble (timeouts, rate limits, 5xx, a stale nonce) is `transient` and worth retrying as is.
 */
import {
  decodeErrorResult,
  isHex,
  parseAbi,
  type Abi,
  type Hex,
} from "viem";
import { KeeperError, walkCause } from "../errors.js";
import { EXECUTOR_ERRORS, keeperExecutorAbi, type ExecutorErrorName } from "./abi.js";

/** Whether retrying the same thing can help: `transient` yes; `deterministic` not until chain state changes. */
export type ErrorClassification = "deterministic" | "transient";

/** Which contract a revert reason belongs to. */
export type RevertSource = "executor" | "aave" | "morpho" | "uniswapV2" | "uniswapV3" | "token" | "solidity" | "unknown";

/**
 * Aave V3 (@aave/core-v3 1.19 Errors.sol) codes liquidationCall can revert with, directly (ValidationLogic,
 * LiquidationLogic) or through the tokens it moves, by code. Aave reverts with the bare number as its reason.
 */
export const AAVE_ERROR_CODES: Readonly<Record<string, { name: string; description: string }>> = {
  "11": { name: "CALLER_NOT_ATOKEN", description: "The caller of the function is not an AToken" },
  "23": { name: "CALLER_MUST_BE_POOL", description: "The caller of this function must be a pool" },
  "24": { name: "INVALID_MINT_AMOUNT", description: "Invalid amount to mint" },
  "25": { name: "INVALID_BURN_AMOUNT", description: "Invalid amount to burn" },
  "26": { name: "INVALID_AMOUNT", description: "Amount must be greater than 0" },
  "27": { name: "RESERVE_INACTIVE", description: "Action requires an active reserve" },
  "28": { name: "RESERVE_FROZEN", description: "Action cannot be performed because the reserve is frozen" },
  "29": { name: "RESERVE_PAUSED", description: "Action cannot be performed because the reserve is paused" },
  "32": { name: "NOT_ENOUGH_AVAILABLE_USER_BALANCE", description: "User cannot withdraw more than the available balance" },
  "34": { name: "COLLATERAL_BALANCE_IS_ZERO", description: "The collateral balance is 0" },
  "35": { name: "HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD", description: "Health factor is lesser than the liquidation threshold" },
  "43": { name: "UNDERLYING_BALANCE_ZERO", description: "The underlying balance needs to be greater than 0" },
  "45": { name: "HEALTH_FACTOR_NOT_BELOW_THRESHOLD", description: "Health factor is not below the threshold" },
  "46": { name: "COLLATERAL_CANNOT_BE_LIQUIDATED", description: "The collateral chosen cannot be liquidated" },
  "47": { name: "SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER", description: "User did not borrow the specified currency" },
  "51": { name: "SUPPLY_CAP_EXCEEDED", description: "Supply cap is exceeded" },
  "59": { name: "PRICE_ORACLE_SENTINEL_CHECK_FAILED", description: "Price oracle sentinel validation failed" },
  "77": { name: "ZERO_ADDRESS_NOT_VALID", description: "Zero address not valid" },
  "82": { name: "ASSET_NOT_LISTED", description: "Asset is not listed" },
};

/** Morpho Blue 1.0 ErrorsLib reasons the executor's Morpho calls can meet, by reason string. */
export const MORPHO_ERRORS: Readonly<Record<string, string>> = {
  "position is healthy": "HEALTHY_POSITION",
  "market not created": "MARKET_NOT_CREATED",
  "inconsistent input": "INCONSISTENT_INPUT",
  "zero assets": "ZERO_ASSETS",
  "zero address": "ZERO_ADDRESS",
  "insufficient collateral": "INSUFFICIENT_COLLATERAL",
  "insufficient liquidity": "INSUFFICIENT_LIQUIDITY",
  "transfer reverted": "TRANSFER_REVERTED",
  "transfer returned false": "TRANSFER_RETURNED_FALSE",
  "transferFrom reverted": "TRANSFER_FROM_REVERTED",
  "transferFrom returned false": "TRANSFER_FROM_RETURNED_FALSE",
  "max uint128 exceeded": "MAX_UINT128_EXCEEDED",
};

/** Uniswap V3 pool reasons (short codes), by reason string. */
export const UNISWAP_V3_ERRORS: Readonly<Record<string, string>> = {
  LOK: "pool locked (reentrancy)",
  AS: "amountSpecified is zero",
  SPL: "sqrtPriceLimitX96 on the wrong side of the price or out of range",
  IIA: "insufficient input amount paid in the swap callback",
  M0: "token0 balance did not increase in the callback",
  M1: "token1 balance did not increase in the callback",
  TF: "token transfer failed",
  L: "liquidity underflow",
  LS: "liquidity subtraction underflow",
  LA: "liquidity addition overflow",
};

/**
 * What some executor custom errors mean and what to do about them, for `DecodedRevert.description`. The arguments
 * are on `args`, in the Solidity declaration's order.
 */
export const EXECUTOR_ERROR_DESCRIPTIONS: Readonly<Partial<Record<ExecutorErrorName, string>>> = {
  InsufficientProfit: "InsufficientProfit(got, min): the action would pay less than its minProfit floor.",
  EmptyBatch: "EmptyBatch(): a batch entry point was called with no items.",
  RouteOutputTooLow:
    "RouteOutputTooLow(got, min): the sale route returned less than its minAmountOut; the pools moved since the route was planned, re-plan it on fresh state.",
  InvalidRoute:
    "InvalidRoute(leg, expectedOut): route leg `leg` is malformed (the route has no legs, the leg no hops, or its last hop does not buy `expectedOut`).",
  PartialFill:
    "PartialFill(pool, used, amountIn): a V3 hop's pool ran out of liquidity and took only `used` of its `amountIn`; give that pool a smaller share of the route.",
};

/** Solidity panic codes (Panic(uint256)). */
const PANIC_REASONS: Readonly<Record<number, string>> = {
  0x01: "assert(false)",
  0x11: "arithmetic overflow or underflow",
  0x12: "division or modulo by zero",
  0x21: "invalid enum value",
  0x22: "invalid storage byte array",
  0x31: "pop() on an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

/** Errors the executor's tokens may bubble up: OpenZeppelin 5's ERC-20 errors (the world's test tokens). */
const tokenErrorsAbi = parseAbi([
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
  "error ERC20InvalidReceiver(address receiver)",
  "error ERC20InvalidApprover(address approver)",
  "error ERC20InvalidSpender(address spender)",
]);

const builtinErrorsAbi = parseAbi(["error Error(string reason)", "error Panic(uint256 code)"]);

/** A decoded revert: what reverted, with which arguments. */
export interface DecodedRevert {
  /** Custom error name (`InsufficientProfit`), protocol error name (`HEALTH_FACTOR_NOT_BELOW_THRESHOLD`,
   *  `HEALTHY_POSITION`, `K`, `SPL`), `Error` for an unrecognised reason string, `Panic`, `UnknownError` for an
   *  unknown selector, or `EmptyRevert` when the revert carried no data. */
  errorName: string;
  /** The error's arguments as decoded (for reason strings: the string itself). */
  args: readonly unknown[];
  source: RevertSource;
  /** The protocol's reason string or code ("45", "UniswapV2: K"), when the revert was an Error(string). */
  reason?: string;
  /** A human description, when known. */
  description?: string;
  /** The raw revert data. */
  data: Hex;
}

/**
 * A call reverted: `deterministic`, since the same call on the same state reverts the same way. Carries the
 * decoded error (`errorName`, `args`) so the keeper can act on it, e.g. InsufficientProfit(got, min).
 */
export class ExecutorRevertError extends KeeperError {
  override name = "ExecutorRevertError";
  readonly classification: ErrorClassification = "deterministic";
  readonly errorName: string;
  readonly args: readonly unknown[];
  readonly source: RevertSource;
  readonly reason: string | undefined;
  readonly description: string | undefined;
  readonly data: Hex;

  constructor(decoded: DecodedRevert, options: { cause?: unknown; context?: string } = {}) {
    const what = formatRevert(decoded);
    super(`${options.context ?? "KeeperExecutor call"} reverted: ${what}.`, {
      cause: options.cause,
      metaMessages: decoded.description ? [decoded.description] : [],
      // The cause's own message repeats the revert; the decoded form above is the useful part.
      details: decoded.data.length > 2 ? `revert data ${decoded.data.slice(0, 138)}${decoded.data.length > 138 ? "..." : ""}` : "no revert data",
    });
    this.errorName = decoded.errorName;
    this.args = decoded.args;
    this.source = decoded.source;
    this.reason = decoded.reason;
    this.description = decoded.description;
    this.data = decoded.data;
  }
}

/** What kind of non-revert failure an RPC interaction had. */
export type RpcFailureKind =
  | "timeout"
  | "rate-limited"
  | "server-error"
  | "network"
  | "nonce"
  | "fee-too-low"
  | "insufficient-funds"
  | "rejected"
  | "unknown";

/** A failure that is not a revert: the node, the network or the transaction envelope. */
export class ExecutorRpcError extends KeeperError {
  override name = "ExecutorRpcError";
  readonly classification: ErrorClassification;
  readonly kind: RpcFailureKind;

  constructor(kind: RpcFailureKind, classification: ErrorClassification, cause: unknown) {
    super(`KeeperExecutor RPC interaction failed (${kind}, ${classification}).`, {
      cause,
      metaMessages:
        classification === "transient"
          ? ["Transient: retrying the same call may succeed."]
          : ["Not transient: retrying the same call will fail the same way until something changes."],
    });
    this.kind = kind;
    this.classification = classification;
  }
}

function formatRevert(d: DecodedRevert): string {
  const args = d.args.map((a) => (typeof a === "bigint" ? a.toString() : typeof a === "string" ? a : JSON.stringify(a)));
  if (d.reason !== undefined) return d.errorName === "Error" ? `"${d.reason}"` : `${d.errorName} ("${d.reason}", ${d.source})`;
  return `${d.errorName}(${args.join(", ")})${d.source === "executor" ? "" : ` (${d.source})`}`;
}

/** Names a reason string: Aave's numeric codes, Morpho's messages, Uniswap V2's "UniswapV2: X", V3's codes. */
function decodeReasonString(reason: string, data: Hex): DecodedRevert {
  const base = { args: [reason] as const, reason, data };
  const aave = AAVE_ERROR_CODES[reason];
  if (aave) return { ...base, errorName: aave.name, source: "aave", description: `Aave V3 error ${reason}: ${aave.description}` };
  // Other Aave codes are numbers too; unmapped ones keep their number as name.
  if (/^[0-9]{1,3}$/.test(reason)) return { ...base, errorName: `AAVE_${reason}`, source: "aave", description: `Aave V3 error ${reason}` };
  const morpho = MORPHO_ERRORS[reason];
  if (morpho) return { ...base, errorName: morpho, source: "morpho", description: `Morpho Blue: ${reason}` };
  if (reason.startsWith("UniswapV2: ")) {
    return { ...base, errorName: reason.slice("UniswapV2: ".length), source: "uniswapV2", description: `Uniswap V2 pair: ${reason}` };
  }
  if (reason.startsWith("ds-math-")) return { ...base, errorName: reason, source: "uniswapV2", description: "Uniswap V2 SafeMath" };
  const v3 = UNISWAP_V3_ERRORS[reason];
  if (v3) return { ...base, errorName: reason, source: "uniswapV3", description: `Uniswap V3 pool: ${v3}` };
  if (reason.startsWith("ERC20:")) return { ...base, errorName: "Error", source: "token" };
  return { ...base, errorName: "Error", source: "unknown" };
}

/**
 * Decodes raw revert data: the executor's custom errors, Error(string) with the protocols' reasons named,
 * Panic(uint256), OpenZeppelin ERC-20 errors; anything else is `UnknownError` with its selector.
 */
export function decodeRevertData(data: Hex): DecodedRevert {
  if (data === "0x" || data.length < 10) return { errorName: "EmptyRevert", args: [], source: "unknown", data, description: "reverted without data (bare revert or out of gas)" };
  const attempts: { abi: Abi; source: RevertSource }[] = [
    { abi: builtinErrorsAbi, source: "solidity" },
    { abi: keeperExecutorAbi(), source: "executor" },
    { abi: tokenErrorsAbi, source: "token" },
  ];
  for (const { abi, source } of attempts) {
    let decoded: { errorName: string; args: readonly unknown[] | undefined };
    try {
      decoded = decodeErrorResult({ abi, data }) as { errorName: string; args: readonly unknown[] | undefined };
    } catch {
      continue;
    }
    const args = decoded.args ?? [];
    if (decoded.errorName === "Error") return decodeReasonString(args[0] as string, data);
    if (decoded.errorName === "Panic") {
      const code = Number(args[0] as bigint);
      return { errorName: "Panic", args, source: "solidity", data, description: `Solidity panic 0x${code.toString(16)}: ${PANIC_REASONS[code] ?? "unknown panic code"}` };
    }
    const description = source === "executor" ? EXECUTOR_ERROR_DESCRIPTIONS[decoded.errorName as ExecutorErrorName] : undefined;
    return { errorName: decoded.errorName, args, source, data, ...(description === undefined ? {} : { description }) };
  }
  return { errorName: "UnknownError", args: [data.slice(0, 10)], source: "unknown", data, description: `unknown error selector ${data.slice(0, 10)}` };
}

/** Revert data carried by one error of a chain: viem's `raw`, a node's `data` (hex, or `{ data: hex }`). */
function revertDataOf(err: unknown): Hex | undefined {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { raw?: unknown; data?: unknown; name?: unknown };
  if (typeof e.raw === "string" && isHex(e.raw)) return e.raw;
  if (typeof e.data === "string" && isHex(e.data)) return e.data;
  if (e.data && typeof e.data === "object") {
    const inner = (e.data as { data?: unknown }).data;
    if (typeof inner === "string" && isHex(inner)) return inner;
  }
  return undefined;
}

const hasName = (...names: string[]) => (e: unknown) => e instanceof Error && names.includes(e.name);

/** Transient markers in messages from nodes and transports that viem does not type. */
const TRANSIENT_MESSAGE =
  /timed? ?out|timeout|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed|network error|rate limit|too many requests|header not found|nonce too low|already known|replacement transaction underpriced|max fee per gas less than block base fee/i;

function classifyRpc(err: unknown): { kind: RpcFailureKind; classification: ErrorClassification } {
  const http = walkCause(err, hasName("HttpRequestError")) as { status?: number } | undefined;
  if (http?.status === 429) return { kind: "rate-limited", classification: "transient" };
  if (http?.status === 408) return { kind: "timeout", classification: "transient" };
  if (http?.status !== undefined && http.status >= 500) return { kind: "server-error", classification: "transient" };
  // No HTTP status at all: the request never got an answer (connection refused or reset, DNS, fetch failed).
  if (http && http.status === undefined) return { kind: "network", classification: "transient" };
  if (walkCause(err, hasName("LimitExceededRpcError"))) return { kind: "rate-limited", classification: "transient" };
  if (walkCause(err, hasName("TimeoutError", "WaitForTransactionReceiptTimeoutError"))) return { kind: "timeout", classification: "transient" };
  if (walkCause(err, hasName("NonceTooLowError", "NonceTooHighError"))) return { kind: "nonce", classification: "transient" };
  // The base fee moves every block: a fee cap under it may fit the next one.
  if (walkCause(err, hasName("FeeCapTooLowError"))) return { kind: "fee-too-low", classification: "transient" };
  if (walkCause(err, hasName("InsufficientFundsError"))) return { kind: "insufficient-funds", classification: "deterministic" };
  if (walkCause(err, hasName("SocketClosedError", "WebSocketRequestError", "ResourceUnavailableRpcError", "InternalRpcError"))) {
    return { kind: "network", classification: "transient" };
  }
  // Any other HTTP status (401, 403, 404...) is the endpoint refusing us: configuration, not bad luck.
  if (http) return { kind: "rejected", classification: "deterministic" };
  const message = walkCause(err, (e) => e instanceof Error && TRANSIENT_MESSAGE.test(e.message)) as Error | undefined;
  if (message) {
    const m = message.message;
    if (/nonce too low|already known/i.test(m)) return { kind: "nonce", classification: "transient" };
    if (/rate limit|too many requests/i.test(m)) return { kind: "rate-limited", classification: "transient" };
    if (/underpriced|base fee/i.test(m)) return { kind: "fee-too-low", classification: "transient" };
    if (/time/i.test(m)) return { kind: "timeout", classification: "transient" };
    return { kind: "network", classification: "transient" };
  }
  // Unknown failures are not retried blindly: a bug or a misconfiguration fails the same way every time.
  return { kind: "unknown", classification: "deterministic" };
}

/**
 * Classifies and decodes anything a simulation, gas estimate or send threw. Revert data anywhere in the cause
 * chain (viem's ContractFunctionRevertedError.raw, the node's error `data`) gives an ExecutorRevertError; a
 * revert without data gives one named `EmptyRevert`; everything else an ExecutorRpcError, transient or not.
 * Errors already decoded are returned as they are.
 */
export function decodeExecutorError(err: unknown, context?: string): ExecutorRevertError | ExecutorRpcError {
  if (err instanceof ExecutorRevertError || err instanceof ExecutorRpcError) return err;
  const holder = walkCause(err, (e) => revertDataOf(e) !== undefined);
  const data = holder === undefined ? undefined : revertDataOf(holder);
  if (data !== undefined) return new ExecutorRevertError(decodeRevertData(data), { cause: err, context });
  // Reverted with no data at all: viem still tells us it was a revert, which is deterministic.
  if (walkCause(err, hasName("ContractFunctionRevertedError", "ExecutionRevertedError"))) {
    return new ExecutorRevertError(decodeRevertData("0x"), { cause: err, context });
  }
  const { kind, classification } = classifyRpc(err);
  return new ExecutorRpcError(kind, classification, err);
}

/** `transient` or `deterministic`, for any error (decoding it first when needed). */
export function classifyError(err: unknown): ErrorClassification {
  return decodeExecutorError(err).classification;
}

/** True when `err` is a revert of the executor with custom error `name` (type guard with typed narrowing). */
export function isExecutorError(err: unknown, name: (typeof EXECUTOR_ERRORS)[number]): err is ExecutorRevertError {
  return err instanceof ExecutorRevertError && err.source === "executor" && err.errorName === name;
}
