/**
 * A fault-injecting JSON-RPC proxy for tests: it sits between a client and a real node and, for a seeded share
 * of the HTTP requests, misbehaves the way public RPC endpoints do (hangs, resets, rate limits, 5xx, truncated
 * bodies, a lagging load-balanced backend). Each decision is drawn from a seeded PRNG in request order, so a
 * failing run can be replayed exactly from its seed. One decision covers a whole HTTP request, batch included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { hexToBigInt, isHex, toHex, type Hex } from "viem";
import { closeServer, listen, readBody, sendText } from "./http.js";
import { createPrng } from "./prng.js";

/** The faults the proxy can inject. */
export const FAULT_KINDS = ["timeout", "drop", "http429", "http5xx", "malformed", "stale"] as const;
/**
 * - `timeout`: the request is held for `timeoutHoldMs` (past the client's timeout), then its socket is destroyed.
 * - `drop`: the socket is destroyed at once, no response.
 * - `http429`: 429 Too Many Requests, plain text (not a JSON-RPC error: providers' gateways answer like that).
 * - `http5xx`: 500, 502 or 503 (drawn from the PRNG), plain text.
 * - `malformed`: the node's real answer cut in half, with status 200 and a JSON content type.
 * - `stale`: eth_blockNumber answers `staleBlocks` older; eth_getBlockByNumber("latest") returns that older block.
 *   Only drawn for requests holding one of these calls.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Options of startFaultProxy. */
export interface FaultProxyOptions {
  /** JSON-RPC URL of the real node. */
  upstreamUrl: string;
  /** Seed of the fault schedule. */
  seed: number;
  /** Share of requests that get a fault, in [0, 1]. */
  faultRate: number;
  /** Which faults to draw from (default: all of FAULT_KINDS). */
  kinds?: readonly FaultKind[];
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** How long a `timeout` fault holds the request before dropping it (default 5 s): set it above the client's timeout. */
  timeoutHoldMs?: number;
  /** How many blocks behind a `stale` answer is (default 3; never below block 0). */
  staleBlocks?: number;
}

/** Counts since start: `requests` = `passed` + the sum of `faults`. */
export interface FaultCounters {
  /** HTTP requests received (a batch is one). */
  requests: number;
  /** Requests forwarded untouched. */
  passed: number;
  faults: Record<FaultKind, number>;
}

/** What happened to one request, in arrival order. */
export interface FaultRecord {
  seq: number;
  /** Methods in the request (several for a batch). */
  methods: string[];
  outcome: FaultKind | "pass";
  /** HTTP status of an http429/http5xx fault. */
  status?: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  url: string;
  /** A snapshot of the counters. */
  counters(): FaultCounters;
  /** The decision for every request so far. */
  log(): readonly FaultRecord[];
  /** Changes the fault rate from the next request on; 0 clears faults ("faults clear"). */
  setFaultRate(rate: number): void;
  /** Changes which faults are drawn from. */
  setKinds(kinds: readonly FaultKind[]): void;
  close(): Promise<void>;
}

interface RpcCall {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const HTTP_5XX = [500, 502, 503] as const;

/** Starts a fault proxy in front of `options.upstreamUrl`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const rng = createPrng(options.seed);
  let rate = checkRate(options.faultRate);
  let kinds: readonly FaultKind[] = options.kinds ?? FAULT_KINDS;
  const holdMs = options.timeoutHoldMs ?? 5_000;
  const staleBlocks = BigInt(options.staleBlocks ?? 3);
  const counters: FaultCounters = {
    requests: 0,
    passed: 0,
    faults: { timeout: 0, drop: 0, http429: 0, http5xx: 0, malformed: 0, stale: 0 },
  };
  const log: FaultRecord[] = [];
  const held = new Set<NodeJS.Timeout>();

  /** Draws the fate of one request. Always the same number of draws per outcome, so a seed replays exactly. */
  function decide(calls: RpcCall[]): { kind: FaultKind | "pass"; status?: number } {
    const applicable = kinds.filter((k) => k !== "stale" || calls.some(isStaleable));
    if (rng() >= rate || applicable.length === 0) return { kind: "pass" };
    const kind = applicable[Math.floor(rng() * applicable.length)];
    if (kind === "http429") return { kind, status: 429 };
    if (kind === "http5xx") return { kind, status: HTTP_5XX[Math.floor(rng() * HTTP_5XX.length)] };
    return { kind };
  }

  // A test server must never crash the test run with an unhandled rejection: anything unexpected is a 500.
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed)
        sendText(res, 500, `proxy error: ${err instanceof Error ? err.message : String(err)}`, "text/plain");
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const calls = parseCalls(body);
    const decision = decide(calls);
    counters.requests++;
    if (decision.kind === "pass") counters.passed++;
    else counters.faults[decision.kind]++;
    log.push({
      seq: log.length,
      methods: calls.map((c) => String(c.method)),
      outcome: decision.kind,
      ...(decision.status ? { status: decision.status } : {}),
    });

    switch (decision.kind) {
      case "timeout": {
        const t = setTimeout(() => {
          held.delete(t);
          req.socket.destroy();
        }, holdMs);
        held.add(t);
        return;
      }
      case "drop":
        req.socket.destroy();
        return;
      case "http429":
        res.setHeader("retry-after", "1");
        return sendText(res, 429, "Too Many Requests", "text/plain");
      case "http5xx":
        return sendText(res, decision.status!, "upstream error", "text/plain");
      case "malformed": {
        const answer = await forward(options.upstreamUrl, body, forwardedHeaders(req));
        return sendText(res, 200, answer.text.slice(0, Math.floor(answer.text.length / 2)));
      }
      case "stale": {
        const answer = await forward(options.upstreamUrl, body, forwardedHeaders(req));
        return sendText(res, answer.status, await makeStale(options.upstreamUrl, body, answer.text, staleBlocks));
      }
      case "pass": {
        const answer = await forward(options.upstreamUrl, body, forwardedHeaders(req));
        return sendText(res, answer.status, answer.text, answer.contentType);
      }
    }
  }

  const url = await listen(server, options.port ?? 0);
  return {
    url,
    counters: () => ({ ...counters, faults: { ...counters.faults } }),
    log: () => log,
    setFaultRate: (r) => (rate = checkRate(r)),
    setKinds: (k) => (kinds = [...k]),
    close: async () => {
      for (const t of held) clearTimeout(t);
      held.clear();
      await closeServer(server);
    },
  };
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be in [0, 1], got ${rate}`);
  return rate;
}

/** The calls of a single or batch request; an unparseable body is one call of unknown method. */
function parseCalls(body: string): RpcCall[] {
  try {
    const parsed: unknown = JSON.parse(body);
    if (Array.isArray(parsed)) return parsed.filter((c): c is RpcCall => typeof c === "object" && c !== null);
    if (typeof parsed === "object" && parsed !== null) return [parsed as RpcCall];
  } catch {
    // forwarded as it is: the node answers with its own parse error
  }
  return [{ method: "<unparseable>" }];
}

/** Calls whose answer a `stale` fault can age. */
function isStaleable(call: RpcCall): boolean {
  return (
    call.method === "eth_blockNumber" ||
    (call.method === "eth_getBlockByNumber" && Array.isArray(call.params) && call.params[0] === "latest")
  );
}

/** Headers not passed on: they describe this hop's connection, not the request. */
const HOP_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "accept-encoding",
]);

/** The client's headers worth forwarding (auth headers such as X-Flashbots-Signature, so a relay can be proxied too). */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = { "content-type": "application/json" };
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.has(k) && typeof v === "string") out[k] = v;
  return out;
}

/** Forwards a body to the node as it is; a node that cannot be reached becomes a 502 (not counted as a fault). */
async function forward(
  upstreamUrl: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<{ status: number; text: string; contentType: string }> {
  try {
    const res = await fetch(upstreamUrl, { method: "POST", headers, body });
    return {
      status: res.status,
      text: await res.text(),
      contentType: res.headers.get("content-type") ?? "application/json",
    };
  } catch (err) {
    return {
      status: 502,
      text: `upstream unreachable: ${err instanceof Error ? err.message : String(err)}`,
      contentType: "text/plain",
    };
  }
}

/** Rewrites the node's answer so that block-number calls look `staleBlocks` behind. */
async function makeStale(
  upstreamUrl: string,
  requestBody: string,
  answerText: string,
  staleBlocks: bigint,
): Promise<string> {
  let request: unknown;
  let answer: unknown;
  try {
    request = JSON.parse(requestBody);
    answer = JSON.parse(answerText);
  } catch {
    return answerText;
  }
  const calls = (Array.isArray(request) ? request : [request]) as RpcCall[];
  const answers = (Array.isArray(answer) ? answer : [answer]) as { id?: unknown; result?: unknown }[];
  for (const call of calls.filter(isStaleable)) {
    const a = answers.find((x) => x.id === call.id);
    if (!a) continue;
    if (call.method === "eth_blockNumber" && typeof a.result === "string" && isHex(a.result)) {
      a.result = toHex(older(hexToBigInt(a.result), staleBlocks));
    } else if (call.method === "eth_getBlockByNumber") {
      const n = (a.result as { number?: unknown } | null)?.number;
      if (typeof n !== "string" || !isHex(n)) continue;
      const full = Array.isArray(call.params) ? call.params[1] === true : false;
      const old = await forward(
        upstreamUrl,
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_getBlockByNumber",
          params: [toHex(older(hexToBigInt(n as Hex), staleBlocks)), full],
        }),
      );
      try {
        a.result = (JSON.parse(old.text) as { result?: unknown }).result;
      } catch {
        // keep the fresh block: better a missed fault than a proxy crash
      }
    }
  }
  return JSON.stringify(Array.isArray(answer) ? answers : answers[0]);
}

const older = (n: bigint, by: bigint): bigint => (n > by ? n - by : 0n);
