/**
 * A minimal Flashbots-style relay in front of a local Hardhat node, so that private submission can be tested end
 * to end without a real builder. It speaks `eth_sendBundle` only, checks the X-Flashbots-Signature exactly as
 * Flashbots does (403 otherwise), records every bundle, and acts as the block builder of the node it fronts:
 *
 * - A bundle for block N is included when the node's next block is N (at once if it is already, otherwise
 *   when some other block production gets the node to N - 1: the relay never mines empty blocks to get there).
 * - Inclusion lands in exactly block N: automine is switched off, the bundle's raw transactions go in with
 *   eth_sendRawTransaction, one `evm_mine` makes the block, and automine is restored. If the node refuses one of
 *   them, or one is not mined (a nonce gap), the bundle's other transactions are dropped from the mempool
 *   (hardhat_dropTransaction) and it is marked failed. That is all or nothing for refusals; a transaction that is
 *   mined and reverts stays mined (no revert protection). Block N is mined even if it ends up empty. While
 *   automine is off, transactions others send meanwhile land in the same block; order inside the block is the
 *   node's (by fee and nonce), which keeps a one-sender bundle in nonce order.
 * - A bundle whose block has passed is marked expired. minTimestamp/maxTimestamp are recorded, not enforced.
 *
 * Hardhat-specific (hardhat_getAutomine, hardhat_dropTransaction); for tests only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { concat, hexToBigInt, isHex, keccak256, type Address, type Hex } from "viem";
import { verifyFlashbotsSignature } from "../executor/relay/signature.js";
import { closeServer, listen, readBody, rpcCall, sendText } from "./http.js";

/** Options of startLocalRelay. */
export interface LocalRelayOptions {
  /** JSON-RPC URL of the Hardhat node the relay builds blocks for. */
  upstreamUrl: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** How often pending bundles are checked against the node's block number (default 50 ms). */
  pollIntervalMs?: number;
}

/** Where a bundle is in its life. */
export type RelayedBundleStatus = "pending" | "included" | "expired" | "failed";

/** A bundle the relay accepted. */
export interface RelayedBundle {
  /** keccak256 of the concatenated transaction hashes, as Flashbots computes it. */
  bundleHash: Hex;
  /** The auth address that signed the request. */
  signer: Address;
  txs: Hex[];
  blockNumber: bigint;
  minTimestamp?: number;
  maxTimestamp?: number;
  status: RelayedBundleStatus;
  /** Block it landed in, when included. */
  includedIn?: bigint;
  /** Why the node refused it, when failed. */
  error?: string;
}

/** A running local relay. */
export interface LocalRelay {
  url: string;
  /** Every accepted bundle, in arrival order (live objects: their status changes). */
  readonly bundles: readonly RelayedBundle[];
  /** Requests refused with 403 (missing or bad signature). */
  readonly rejectedSignatures: number;
  /** Resolves once every bundle that is due has been processed (for tests that want to look right after). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Starts a local relay in front of `options.upstreamUrl`. */
export async function startLocalRelay(options: LocalRelayOptions): Promise<LocalRelay> {
  const upstream = options.upstreamUrl;
  const bundles: RelayedBundle[] = [];
  let rejectedSignatures = 0;
  // Every chain-touching step runs in this one queue: inclusion flips automine and must never interleave.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (): Promise<void> => (queue = queue.then(() => processDue(upstream, bundles)).catch(() => undefined));

  // A test server must never crash the test run with an unhandled rejection: anything unexpected is a 500.
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed)
        sendText(res, 500, `relay error: ${err instanceof Error ? err.message : String(err)}`, "text/plain");
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return sendText(res, 405, "POST only", "text/plain");
    const body = await readBody(req);
    const header = req.headers["x-flashbots-signature"];
    const signer = verifyFlashbotsSignature(Array.isArray(header) ? header[0] : header, body);
    if (!signer) {
      rejectedSignatures++;
      return sendText(res, 403, JSON.stringify({ error: { message: "invalid flashbots signature" } }));
    }
    let request: JsonRpcRequest;
    try {
      request = JSON.parse(body) as JsonRpcRequest;
    } catch {
      return rpcError(res, null, -32700, "parse error");
    }
    if (request.method !== "eth_sendBundle")
      return rpcError(res, request.id, -32601, `method ${String(request.method)} not supported`);
    const parsed = parseBundle(request.params);
    if (typeof parsed === "string") return rpcError(res, request.id, -32602, parsed);
    const bundle: RelayedBundle = { ...parsed, signer, status: "pending" };
    bundles.push(bundle);
    sendText(
      res,
      200,
      JSON.stringify({ jsonrpc: "2.0", id: request.id ?? null, result: { bundleHash: bundle.bundleHash } }),
    );
    void enqueue();
  }

  const url = await listen(server, options.port ?? 0);
  const timer = setInterval(() => {
    if (bundles.some((b) => b.status === "pending")) void enqueue();
  }, options.pollIntervalMs ?? 50);

  return {
    url,
    bundles,
    get rejectedSignatures() {
      return rejectedSignatures;
    },
    settle: () => enqueue(),
    close: async () => {
      clearInterval(timer);
      await queue;
      await closeServer(server);
    },
  };
}

function rpcError(res: ServerResponse, id: unknown, code: number, message: string): void {
  sendText(res, 200, JSON.stringify({ jsonrpc: "2.0", id: id ?? null, error: { code, message } }));
}

/** Validates eth_sendBundle params; returns the bundle's fields or what is wrong with them. */
function parseBundle(params: unknown): Omit<RelayedBundle, "signer" | "status"> | string {
  const p = Array.isArray(params) ? (params[0] as Record<string, unknown> | undefined) : undefined;
  if (!p || typeof p !== "object") return "params[0] must be a bundle object";
  const { txs, blockNumber, minTimestamp, maxTimestamp } = p;
  if (!Array.isArray(txs) || txs.length === 0 || !txs.every((t) => typeof t === "string" && isHex(t)))
    return "txs must be a non-empty array of hex strings";
  if (typeof blockNumber !== "string" || !isHex(blockNumber)) return "blockNumber must be a hex quantity";
  const bundle: Omit<RelayedBundle, "signer" | "status"> = {
    bundleHash: keccak256(concat((txs as Hex[]).map((t) => keccak256(t)))),
    txs: txs as Hex[],
    blockNumber: hexToBigInt(blockNumber),
  };
  if (typeof minTimestamp === "number") bundle.minTimestamp = minTimestamp;
  if (typeof maxTimestamp === "number") bundle.maxTimestamp = maxTimestamp;
  return bundle;
}

/** Expires bundles whose block has passed and includes those for the node's next block. */
async function processDue(upstream: string, bundles: RelayedBundle[]): Promise<void> {
  const pending = bundles.filter((b) => b.status === "pending");
  if (!pending.length) return;
  const next = hexToBigInt(await rpcCall<Hex>(upstream, "eth_blockNumber")) + 1n;
  for (const b of pending) if (b.blockNumber < next) b.status = "expired";
  const due = pending.filter((b) => b.blockNumber === next);
  if (due.length) await includeInNextBlock(upstream, due, next);
}

/** Puts `due` into the node's next block, atomically per bundle, and mines it. */
async function includeInNextBlock(upstream: string, due: RelayedBundle[], next: bigint): Promise<void> {
  const automine = await rpcCall<boolean>(upstream, "hardhat_getAutomine");
  if (automine) await rpcCall(upstream, "evm_setAutomine", [false]);
  try {
    const accepted: RelayedBundle[] = [];
    for (const bundle of due) {
      const sent: Hex[] = [];
      try {
        for (const tx of bundle.txs) sent.push(await rpcCall<Hex>(upstream, "eth_sendRawTransaction", [tx]));
        accepted.push(bundle);
      } catch (err) {
        for (const hash of sent) await rpcCall(upstream, "hardhat_dropTransaction", [hash]).catch(() => undefined);
        bundle.status = "failed";
        bundle.error = err instanceof Error ? err.message : String(err);
      }
    }
    if (!accepted.length) return;
    await rpcCall(upstream, "evm_mine");
    // A transaction the node accepted may still not be mined (a nonce gap queues it): such a bundle is dropped
    // whole and failed, never reported included with part of it missing.
    for (const bundle of accepted) {
      const hashes = bundle.txs.map((tx) => keccak256(tx));
      const receipts = await Promise.all(
        hashes.map((h) => rpcCall<{ blockNumber: Hex } | null>(upstream, "eth_getTransactionReceipt", [h])),
      );
      if (receipts.every((r) => r !== null)) {
        bundle.status = "included";
        bundle.includedIn = next;
      } else {
        for (const [i, h] of hashes.entries())
          if (!receipts[i]) await rpcCall(upstream, "hardhat_dropTransaction", [h]).catch(() => undefined);
        bundle.status = "failed";
        bundle.error = "not all of its transactions could be mined (nonce gap or underpriced)";
      }
    }
  } finally {
    if (automine) await rpcCall(upstream, "evm_setAutomine", [true]);
  }
}
