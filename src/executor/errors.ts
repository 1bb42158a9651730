/**
 * Turns whatever a simulation or a transaction threw into one typed error the keeper can decide on: a revert
 * (decoded with the executor's ABI, or recognised as Aave's, Morpho's, Uniswap's or a token's own reason) is
 * `deterministic` - the same call on the same state fails again, so it is not retried until state changes -
 * while RPC trouble (timeouts, rate limits, 5xx, a stale nonce) is `transient` and worth retrying as is.
 */
import { REVERT_TABLES } from "../protocols/reverts.js";
import { decodeErrorResult, isHex, parseAbi, type Abi, type Hex } from "viem";
import { KeeperError, walkCause } from "../errors.js";
import { EXECUTOR_ERRORS, keeperExecutorAbi, type ExecutorErrorName } from "./abi.js";

/** Whether retrying the same thing can help: `transient` yes; `deterministic` not until chain state changes. */
export type ErrorClassification = "deterministic" | "transient";

/** Which contract a revert reason belongs to. */
export type RevertSource =
  "executor" | "aave" | "morpho" | "uniswapV2" | "uniswapV3" | "token" | "solidity" | "unknown";

export { AAVE_ERROR_CODES } from "../protocols/aaveV3/reverts.js";
export { MORPHO_ERRORS } from "../protocols/morphoBlue/reverts.js";
export { UNISWAP_V3_ERRORS } from "../protocols/uniswapV3/reverts.js";

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
  UntrustedPool:
    "UntrustedPool(pool): `pool` is not its Uniswap factory's pair/pool of the tokens it was used for (or the executor has no factory of that kind); if it is a venue you trust, the owner must call setTrustedPool(pool, true).",
  ProtocolUnavailable:
    "ProtocolUnavailable(protocol): the executor was deployed without this protocol (0 = Aave V3, 1 = Morpho Blue); deploy one with the protocol's address from the deployment file.",
  InventoryCapExceeded:
    "InventoryCapExceeded(token, requested, remaining): an inventory-funded rebalance asked for more of `token` than the owner's caps leave (per transaction, per day; 0 when no cap is set); the owner raises them with setInventoryCap(token, perTx, perDay), or wait for the day window.",
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
      details:
        decoded.data.length > 2
          ? `revert data ${decoded.data.slice(0, 138)}${decoded.data.length > 138 ? "..." : ""}`
          : "no revert data",
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
  const args = d.args.map((a) =>
    typeof a === "bigint" ? a.toString() : typeof a === "string" ? a : JSON.stringify(a),
  );
  if (d.reason !== undefined)
    return d.errorName === "Error" ? `"${d.reason}"` : `${d.errorName} ("${d.reason}", ${d.source})`;
  return `${d.errorName}(${args.join(", ")})${d.source === "executor" ? "" : ` (${d.source})`}`;
}

/** Names a reason string with the protocols' revert tables (Aave's numeric codes, Morpho's messages, Uniswap's). */
function decodeReasonString(reason: string, data: Hex): DecodedRevert {
  const base = { args: [reason] as const, reason, data };
  for (const table of REVERT_TABLES) {
    const named = table.name(reason);
    if (named) return { ...base, ...named, source: table.source as RevertSource };
  }
  if (reason.startsWith("ERC20:")) return { ...base, errorName: "Error", source: "token" };
  return { ...base, errorName: "Error", source: "unknown" };
}

/**
 * Decodes raw revert data: the executor's custom errors, Error(string) with the protocols' reasons named,
 * Panic(uint256), OpenZeppelin ERC-20 errors; anything else is `UnknownError` with its selector.
 */
export function decodeRevertData(data: Hex): DecodedRevert {
  if (data === "0x" || data.length < 10)
    return {
      errorName: "EmptyRevert",
      args: [],
      source: "unknown",
      data,
      description: "reverted without data (bare revert or out of gas)",
    };
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
      return {
        errorName: "Panic",
        args,
        source: "solidity",
        data,
        description: `Solidity panic 0x${code.toString(16)}: ${PANIC_REASONS[code] ?? "unknown panic code"}`,
      };
    }
    const description =
      source === "executor" ? EXECUTOR_ERROR_DESCRIPTIONS[decoded.errorName as ExecutorErrorName] : undefined;
    return { errorName: decoded.errorName, args, source, data, ...(description === undefined ? {} : { description }) };
  }
  // Protocols' custom errors (Aave v3.2+), after the executor's own: a selector clash resolves to the executor.
  for (const table of REVERT_TABLES) {
    if (!table.customErrors) continue;
    let decoded: { errorName: string; args: readonly unknown[] | undefined };
    try {
      decoded = decodeErrorResult({ abi: table.customErrors.abi, data }) as typeof decoded;
    } catch {
      continue;
    }
    const description = table.customErrors.descriptions[decoded.errorName];
    return {
      errorName: decoded.errorName,
      args: decoded.args ?? [],
      source: table.source as RevertSource,
      data,
      ...(description === undefined ? {} : { description }),
    };
  }
  return {
    errorName: "UnknownError",
    args: [data.slice(0, 10)],
    source: "unknown",
    data,
    description: `unknown error selector ${data.slice(0, 10)}`,
  };
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

const hasName =
  (...names: string[]) =>
  (e: unknown) =>
    e instanceof Error && names.includes(e.name);

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
  if (walkCause(err, hasName("TimeoutError", "WaitForTransactionReceiptTimeoutError")))
    return { kind: "timeout", classification: "transient" };
  if (walkCause(err, hasName("NonceTooLowError", "NonceTooHighError")))
    return { kind: "nonce", classification: "transient" };
  // The base fee moves every block: a fee cap under it may fit the next one.
  if (walkCause(err, hasName("FeeCapTooLowError"))) return { kind: "fee-too-low", classification: "transient" };
  if (walkCause(err, hasName("InsufficientFundsError")))
    return { kind: "insufficient-funds", classification: "deterministic" };
  if (
    walkCause(
      err,
      hasName("SocketClosedError", "WebSocketRequestError", "ResourceUnavailableRpcError", "InternalRpcError"),
    )
  ) {
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
