/**
 * Typed failures of private bundle submission. Each says whether sending again can help (`retryable`), so
 * submitUntilIncluded can ride out a relay's bad minute without hiding a request the relay will never accept.
 * None of them carries the auth key, the request body's signature or the relay URL's path (API keys live there).
 */
import { KeeperError, type KeeperErrorOptions } from "../../errors.js";
import { redactUrl } from "../../redact.js";

/** Base class of every relay failure. */
export class RelayError extends KeeperError {
  override name = "RelayError";
  /** Whether the same request may succeed if sent again (rate limit, 5xx, network trouble). */
  readonly retryable: boolean;
  constructor(shortMessage: string, retryable: boolean, options: KeeperErrorOptions = {}) {
    super(shortMessage, options);
    this.retryable = retryable;
  }
}

/** The bundle itself is unusable (no transactions, a non-hex transaction, a block number of 0): a caller's bug. */
export class BundleParamsError extends RelayError {
  override name = "BundleParamsError";
  constructor(problem: string) {
    super(`Invalid bundle: ${problem}.`, false);
  }
}

/** The relay could not be reached, or did not answer within the timeout. */
export class RelayUnreachableError extends RelayError {
  override name = "RelayUnreachableError";
  constructor(relayUrl: string, cause: unknown) {
    super(`Cannot reach the bundle relay at ${redactUrl(relayUrl)}.`, true, {
      cause,
      metaMessages: ["Check the relay URL and the network; the request may be retried."],
    });
  }
}

/** The relay answered with a non-2xx HTTP status. 429 and 5xx are retryable; 4xx (403: bad signature) are not. */
export class RelayHttpError extends RelayError {
  override name = "RelayHttpError";
  readonly status: number;
  constructor(relayUrl: string, status: number, bodySnippet: string) {
    super(`The bundle relay at ${redactUrl(relayUrl)} answered HTTP ${status}.`, status === 429 || status >= 500, {
      metaMessages:
        status === 403 || status === 401
          ? ["The relay rejected the X-Flashbots-Signature: is the auth signer the one the relay expects?"]
          : [],
      details: bodySnippet || undefined,
    });
    this.status = status;
  }
}

/** The relay answered with a JSON-RPC error object (invalid params, unknown method, bundle refused). */
export class RelayRpcError extends RelayError {
  override name = "RelayRpcError";
  readonly code: number;
  readonly rpcMessage: string;
  constructor(relayUrl: string, method: string, code: number, rpcMessage: string) {
    super(`The bundle relay at ${redactUrl(relayUrl)} refused ${method}: ${rpcMessage} (code ${code}).`, false);
    this.code = code;
    this.rpcMessage = rpcMessage;
  }
}

/** The relay answered 2xx with something that is not the expected JSON-RPC response (truncated, wrong shape). */
export class RelayResponseError extends RelayError {
  override name = "RelayResponseError";
  constructor(relayUrl: string, problem: string, cause?: unknown) {
    // Retryable: in practice a garbled answer is a proxy or connection hiccup more often than a protocol change.
    super(`Malformed answer from the bundle relay at ${redactUrl(relayUrl)}: ${problem}.`, true, { cause });
  }
}
