import type { Abi, Address, Chain, PublicClient, Transport } from "viem";
import { KeeperError, walkCause } from "../errors.js";

/** Canonical Multicall3 address on every major chain (the world deploys it there on a local chain too). */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** One read in a batch. `abi` may be a minimal fragment; results come back untyped. */
export interface ReadCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
}

/** A read's outcome: a failing call (a reverting token, a self-destructed pool) does not sink its batch. */
export type ReadResult<T = unknown> = { ok: true; value: T } | { ok: false; error: string };

export interface BatchedReadOptions {
  /** Pin every read to this block so a snapshot is consistent. */
  blockNumber?: bigint;
  /** Calls per aggregate3. One eth_call is capped at 2^24 gas; ~300 cold reads stay far below it. */
  chunkSize?: number;
  /** Chunks in flight at once. */
  concurrency?: number;
}

/** A batched read failed as a whole (transport error, malformed response). */
export class BatchedReadError extends KeeperError {
  override name = "BatchedReadError";
  constructor(calls: number, chunk: number, cause: unknown) {
    super(`Batched read of ${calls} calls failed at chunk ${chunk}.`, {
      cause,
      metaMessages: ["The RPC may be rate-limiting or down; the keeper retries on the next block."],
    });
  }
}

/**
 * Reads many calls through Multicall3's aggregate3, `chunkSize` calls per eth_call, a few chunks in parallel.
 * Chunking is required, not an optimisation: one aggregate3 over thousands of cold reads exceeds the
 * per-call gas cap. Results keep the order of `calls`.
 */
export async function readBatched<T = unknown>(
  client: PublicClient<Transport, Chain>,
  calls: readonly ReadCall[],
  options: BatchedReadOptions = {},
): Promise<ReadResult<T>[]> {
  const chunkSize = Math.max(1, options.chunkSize ?? 300);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const chunks: ReadCall[][] = [];
  for (let i = 0; i < calls.length; i += chunkSize) chunks.push(calls.slice(i, i + chunkSize));
  const out: ReadResult<T>[][] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const index = next++;
      try {
        const results = await client.multicall({
          contracts: chunks[index] as never,
          allowFailure: true,
          blockNumber: options.blockNumber,
          // batchSize counts calldata bytes in viem; 0 disables its own splitting: we chunk by calls.
          batchSize: 0,
        });
        // With allowFailure, viem turns a failed request (timeout, 5xx, bad JSON) into a "failure" for every call
        // of the chunk. That is not a revert: a snapshot missing those reads would be wrong, so fail the read.
        const transportError = (results as any[]).find((r: any) => r.status === "failure" && isTransportError(r.error));
        if (transportError) throw transportError.error;
        out[index] = (results as any[]).map((r: any) =>
          r.status === "success" ? { ok: true, value: r.result as T } : { ok: false, error: String(r.error?.shortMessage ?? r.error) },
        );
      } catch (cause) {
        throw new BatchedReadError(calls.length, index, cause);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return out.flat();
}

const TRANSPORT_ERRORS = new Set([
  "HttpRequestError",
  "TimeoutError",
  "RpcRequestError",
  "WebSocketRequestError",
  "SocketClosedError",
  "UnknownRpcError",
  "InternalRpcError",
  "LimitExceededRpcError",
  "ResourceUnavailableRpcError",
  "InvalidInputRpcError",
  "ParseRpcError",
]);

/** True when the error (or a cause of it) is about reaching the node, not about the call's own result. */
function isTransportError(err: unknown): boolean {
  return walkCause(err, (e) => e instanceof Error && TRANSPORT_ERRORS.has(e.name)) !== undefined;
}

/** Unwraps a result or throws a KeeperError naming what was being read. */
export function unwrap<T>(result: ReadResult<T>, what: string): T {
  if (!result.ok) throw new KeeperError(`Read of ${what} failed.`, { details: result.error });
  return result.value;
}
