/**
 * Retries of RPC reads that fail for reasons a later attempt can fix (5xx, 429, timeouts, dropped connections,
 * malformed JSON): used by every read the keeper makes before its loop starts, where a single 503 used to end the
 * process. The loop itself has its own backoff (Keeper.run).
 */
import { KeeperError, walkCause } from "../errors.js";
import { redactUrl } from "../redact.js";

/** How long and how often a transient failure is retried. */
export interface RetryPolicy {
  /** Give up once this much time has passed since the first attempt (the bound on the whole retry). */
  totalMs: number;
  /** First backoff; doubled on each retry up to `maxDelayMs`, then drawn uniformly in [delay/2, delay] (jitter). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The endpoint, named (redacted) in the final error. */
  rpcUrl?: string;
  /** Called before each wait, for logs. */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: unknown }) => void;
  /** Injected in tests. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A startup read kept failing with transient errors for the whole retry budget. */
export class RpcRetryExhaustedError extends KeeperError {
  override name = "RpcRetryExhaustedError";
  constructor(
    readonly what: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    rpcUrl: string | undefined,
    cause: unknown,
  ) {
    const where = rpcUrl ? ` at ${redactUrl(rpcUrl)}` : "";
    super(
      `Could not ${what}: the JSON-RPC endpoint${where} kept failing for ${Math.round(elapsedMs / 1000)} s (${attempts} attempts).`,
      {
        cause,
        metaMessages: [
          "Check that the node behind RPC_URL is up and not rate-limiting this keeper, or point RPC_URL at another one.",
          "STARTUP_RETRY_S sets how long the keeper keeps retrying at start.",
        ],
      },
    );
  }
}

const NETWORK_MESSAGE =
  /timed? ?out|timeout|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up|fetch failed|network error|other side closed|rate limit|too many requests|header not found/i;

const named =
  (...names: string[]) =>
  (e: unknown): boolean =>
    e instanceof Error && names.includes(e.name);

/**
 * Whether another attempt may succeed: an HTTP 408/429/5xx, no HTTP answer at all, a body that is not JSON, a
 * timeout, a node's internal or rate-limit error, or a network error by its message. Reverts and invalid
 * parameters are not: retrying them changes nothing.
 */
export function isTransientRpcError(err: unknown): boolean {
  const http = walkCause(err, named("HttpRequestError")) as { status?: number } | undefined;
  if (http) {
    const s = http.status;
    if (s === undefined || s === 408 || s === 429 || s >= 500) return true;
    // A 200 whose body does not parse: a truncated answer from a load balancer.
    if (walkCause(err, (e) => e instanceof SyntaxError)) return true;
  }
  if (walkCause(err, (e) => e instanceof SyntaxError)) return true;
  if (walkCause(err, named("TimeoutError", "SocketClosedError", "LimitExceededRpcError", "InternalRpcError")))
    return true;
  if (walkCause(err, named("ResourceUnavailableRpcError", "UnknownRpcError"))) return true;
  if (walkCause(err, named("ContractFunctionRevertedError", "ContractFunctionZeroDataError"))) return false;
  return walkCause(err, (e) => e instanceof Error && NETWORK_MESSAGE.test(e.message)) !== undefined;
}

/**
 * Runs `read` until it succeeds, retrying transient failures ({@link isTransientRpcError}) with exponential
 * backoff and jitter for at most `policy.totalMs`; a non-transient error is thrown at once. When the budget runs
 * out, throws {@link RpcRetryExhaustedError} naming `what` (phrased to follow "Could not", e.g. "read the chain id").
 */
export async function retryTransient<T>(what: string, read: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const now = policy.now ?? Date.now;
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const base = policy.baseDelayMs ?? 250;
  const max = policy.maxDelayMs ?? 5_000;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isTransientRpcError(err)) throw err;
      const elapsed = now() - start;
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      // Jitter: keepers restarted together must not hammer a recovering node in lockstep.
      const delayMs = Math.min(Math.round(ceiling / 2 + random() * (ceiling / 2)), policy.totalMs - elapsed);
      if (delayMs <= 0) throw new RpcRetryExhaustedError(what, attempt, elapsed, policy.rpcUrl, err);
      policy.onRetry?.({ what, attempt, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}
