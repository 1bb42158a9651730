/**
 * A client for the Flashbots `eth_sendBundle` JSON-RPC method: the keeper's signed transactions go to a relay
 * (builder) instead of the public mempool, so nobody can front-run or sandwich them, and a bundle that would
 * revert is simply not included rather than mined and paid for.
 */
import type { ethers } from "ethers";
import { isHex, keccak256, toHex, type Hex } from "viem";
import {
  BundleParamsError,
  RelayHttpError,
  RelayResponseError,
  RelayRpcError,
  RelayUnreachableError,
} from "./errors.js";
import { FLASHBOTS_SIGNATURE_HEADER, flashbotsSignature } from "./signature.js";

/** Default time allowed for one relay request, answer included. */
export const DEFAULT_RELAY_TIMEOUT_MS = 10_000;

/** Parameters of sendBundle. */
export interface SendBundleParams {
  /** The relay's JSON-RPC endpoint (e.g. https://relay.flashbots.net). */
  relayUrl: string;
  /**
   * Signs the request for the relay (reputation only): an ethers Wallet (or HDNodeWallet). Must not be the keeper's transaction key: it needs no
   * funds, and a key that signs requests to a third party should not also control money.
   */
  authSigner: ethers.BaseWallet;
  /** Fully signed raw transactions, in bundle order. */
  signedTransactions: readonly Hex[];
  /** The one block the bundle is valid for. */
  blockNumber: bigint;
  /** Earliest block timestamp (unix seconds) the bundle may land in. */
  minTimestamp?: number;
  /** Latest block timestamp (unix seconds) the bundle may land in. */
  maxTimestamp?: number;
  /** Time allowed for the request (default {@link DEFAULT_RELAY_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** The `params[0]` object of an eth_sendBundle request, as sent on the wire. */
export interface SendBundleRequestParams {
  txs: Hex[];
  blockNumber: Hex;
  minTimestamp?: number;
  maxTimestamp?: number;
}

/** The transaction hashes of a bundle's raw transactions (keccak256 of each), in order: what receipts are looked up by. */
export function bundleTransactionHashes(signedTransactions: readonly Hex[]): Hex[] {
  return signedTransactions.map((tx) => keccak256(tx));
}

/** Builds the exact body of an eth_sendBundle request (the string that is signed and sent). */
export function encodeSendBundleBody(
  params: Pick<SendBundleParams, "signedTransactions" | "blockNumber" | "minTimestamp" | "maxTimestamp">,
): string {
  if (params.signedTransactions.length === 0) throw new BundleParamsError("no transactions");
  for (const [i, tx] of params.signedTransactions.entries()) {
    if (!isHex(tx, { strict: true }) || tx.length < 4)
      throw new BundleParamsError(`transaction ${i} is not a 0x-prefixed hex string`);
  }
  if (params.blockNumber <= 0n) throw new BundleParamsError(`block number ${params.blockNumber} is not positive`);
  for (const key of ["minTimestamp", "maxTimestamp"] as const) {
    const v = params[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
      throw new BundleParamsError(`${key} ${v} is not a unix time in seconds`);
  }
  const bundle: SendBundleRequestParams = {
    txs: [...params.signedTransactions],
    blockNumber: toHex(params.blockNumber),
  };
  if (params.minTimestamp !== undefined) bundle.minTimestamp = params.minTimestamp;
  if (params.maxTimestamp !== undefined) bundle.maxTimestamp = params.maxTimestamp;
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendBundle", params: [bundle] });
}

/**
 * Sends one bundle for `blockNumber` and returns the bundle hash the relay assigned. Acceptance is not inclusion:
 * a builder may still leave the bundle out (see submitUntilIncluded).
 * @throws BundleParamsError, RelayUnreachableError, RelayHttpError, RelayRpcError, RelayResponseError
 */
export async function sendBundle(params: SendBundleParams): Promise<Hex> {
  const body = encodeSendBundleBody(params);
  const result = await postSigned(
    params.relayUrl,
    params.authSigner,
    "eth_sendBundle",
    body,
    params.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS,
  );
  const bundleHash = (result as { bundleHash?: unknown } | null)?.bundleHash;
  if (typeof bundleHash !== "string" || !isHex(bundleHash) || bundleHash.length !== 66) {
    throw new RelayResponseError(params.relayUrl, "the result has no 32-byte bundleHash");
  }
  return bundleHash;
}

/** How much of an error body goes into an error's details: enough to read the relay's reason, not a whole page. */
const BODY_SNIPPET_CHARS = 300;

/**
 * POSTs a signed JSON-RPC body and returns its `result`. Only the relay's own answer and the redacted URL ever
 * reach an error: never the signer, the signature header or the request body.
 */
async function postSigned(
  relayUrl: string,
  authSigner: ethers.BaseWallet,
  method: string,
  body: string,
  timeoutMs: number,
): Promise<unknown> {
  const headers = {
    "content-type": "application/json",
    [FLASHBOTS_SIGNATURE_HEADER]: await flashbotsSignature(authSigner, body),
  };
  let status: number;
  let text: string;
  try {
    const res = await fetch(relayUrl, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    text = await res.text();
  } catch (cause) {
    throw new RelayUnreachableError(relayUrl, cause);
  }
  if (status < 200 || status >= 300) throw new RelayHttpError(relayUrl, status, text.slice(0, BODY_SNIPPET_CHARS));

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new RelayResponseError(relayUrl, "the body is not JSON", cause);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new RelayResponseError(relayUrl, "the body is not a JSON-RPC response object");
  const response = json as { result?: unknown; error?: { code?: unknown; message?: unknown } };
  if (response.error !== undefined) {
    const code = typeof response.error?.code === "number" ? response.error.code : 0;
    const message =
      typeof response.error?.message === "string" ? response.error.message.slice(0, BODY_SNIPPET_CHARS) : "no message";
    throw new RelayRpcError(relayUrl, method, code, message);
  }
  if (!("result" in response)) throw new RelayResponseError(relayUrl, "neither result nor error in the response");
  return response.result;
}
