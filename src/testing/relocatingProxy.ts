/**
 * A JSON-RPC proxy that shows a local chain as if its contracts lived at other addresses, on another chain id: the
 * rehearsal of a real-chain preset offline. The keeper speaks the preset's addresses (Aave's pool on Ethereum, the
 * Uniswap factories, the tokens, as the address-book packages give them); the proxy rewrites each of them to the
 * local world's contract in every request (call targets, calldata, log filters) and back in every answer (return
 * data, logs), and answers eth_chainId with the preset's chain. The contracts run unchanged on the local node, so
 * every read, discovery scan and simulation is the real protocols' answer, only addressed the way the real chain
 * addresses them.
 *
 * Limits: raw signed transactions are not rewritten (their signature covers the addresses), so this is for reads
 * and simulations (dry runs); and a node forking through the proxy would read storage by slots hashed from the
 * preset's addresses, which the world never wrote, so `--fork-url` cannot be rehearsed this way.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Address } from "viem";
import { closeServer, listen, readBody, sendText } from "./http.js";

/** Options of startRelocatingProxy. */
export interface RelocatingProxyOptions {
  /** JSON-RPC URL of the node holding the contracts. */
  upstreamUrl: string;
  /** The chain id the proxy reports (the preset's). */
  chainId: number;
  /** Address the client uses -> address of the same contract on the upstream node. */
  relocate: ReadonlyMap<Address, Address>;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

/** A running proxy. */
export interface RelocatingProxy {
  url: string;
  /** JSON-RPC requests seen, by method (a batch counts each call). */
  readonly methods: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** Rewrites every 20-byte occurrence of a key of `map` (byte-aligned, any case) inside 0x-hex strings of a JSON value. */
function rewriter(map: ReadonlyMap<string, string>): (value: unknown) => unknown {
  if (map.size === 0) return (v) => v;
  const pattern = new RegExp([...map.keys()].join("|"), "gi");
  const rewriteHex = (s: string): string =>
    s.replace(pattern, (hit, offset: number) => (offset % 2 === 0 ? map.get(hit.toLowerCase())! : hit));
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.startsWith("0x") ? rewriteHex(v) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk;
}

type RpcRequest = { jsonrpc: string; id: unknown; method: string; params?: unknown[] };

/** Starts the proxy on 127.0.0.1. */
export async function startRelocatingProxy(options: RelocatingProxyOptions): Promise<RelocatingProxy> {
  const hex = (a: string) => a.toLowerCase().slice(2);
  const toUpstream = rewriter(new Map([...options.relocate].map(([from, to]) => [hex(from), hex(to)])));
  const toClient = rewriter(new Map([...options.relocate].map(([from, to]) => [hex(to), hex(from)])));
  const methods: Record<string, number> = {};

  const answerOne = async (req: RpcRequest): Promise<unknown> => {
    methods[req.method] = (methods[req.method] ?? 0) + 1;
    if (req.method === "eth_chainId")
      return { jsonrpc: "2.0", id: req.id, result: `0x${options.chainId.toString(16)}` };
    if (req.method === "net_version") return { jsonrpc: "2.0", id: req.id, result: String(options.chainId) };
    const res = await fetch(options.upstreamUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...req, params: toUpstream(req.params ?? []) }),
    });
    const body = (await res.json()) as { result?: unknown; error?: unknown };
    return toClient(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const parsed = JSON.parse(await readBody(req)) as RpcRequest | RpcRequest[];
        const answer = Array.isArray(parsed) ? await Promise.all(parsed.map(answerOne)) : await answerOne(parsed);
        sendText(res, 200, JSON.stringify(answer));
      } catch (err) {
        sendText(res, 502, String((err as Error).message ?? err), "text/plain");
      }
    })();
  });
  const url = await listen(server, options.port ?? 0);
  return { url, methods, close: () => closeServer(server) };
}
