/**
 * The keeper's operations endpoint, on node:http alone (no framework to audit or keep patched):
 *
 *   GET  /metrics  Prometheus text of the keeper's registry
 *   GET  /health   200 {status:"ok", head, headAgeSeconds, ...}, or 503 when the head is stale or the
 *                  keeper loop has not reported a block recently (for a liveness probe or an alert);
 *                  200 {status:"syncing", syncing:{indexes:[...]}} while event discovery reads a long
 *                  history and keeps making progress (503 when it stalls)
 *   POST /kill     engages the kill switch (optional JSON body {"reason": "..."})
 *   POST /unkill   releases an HTTP/signal engagement (a kill file still wins: 409)
 *   GET  /dashboard/  a read-only page of charts (./dashboard/), with /dashboard/data.json, when enabled
 *
 * /kill and /unkill need `Authorization: Bearer <token>`, compared in constant time; without a
 * configured token they do not exist (404), so a keeper started without one cannot be switched
 * over the network at all. It listens on 127.0.0.1 unless told otherwise. The token is never
 * logged: requests are logged by method, path and status only, never by header.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { KeeperError } from "../errors.js";
import { headProgress, metricsClock, type KeeperMetrics } from "./metrics.js";
import type { DashboardSources } from "./dashboard/data.js";
import { dashboardRoutes } from "./dashboard/routes.js";
import type { KillSwitch } from "../safety/killSwitch.js";

/** What the keeper reports about its progress; the server decides from it whether it is healthy. */
export interface HealthStatus {
  /** The last block processed; undefined before the first. */
  readonly head: bigint | undefined;
  /** Seconds between now and that block's timestamp. */
  readonly headAgeSeconds: number | undefined;
  /** Seconds since the keeper loop last reported a processed block. */
  readonly lastBlockAgeSeconds: number | undefined;
  /** Event discovery's long syncs still running (the first one, a catch-up after downtime); see DiscoverySyncStatus. */
  readonly syncing?: SyncingStatus;
}

/** Discovery syncs in progress, one entry per index. */
export interface SyncingStatus {
  readonly indexes: readonly {
    index: string;
    doneBlocks: number;
    totalBlocks: number;
    percent: number;
    /** Last block of the saved contiguous prefix: a restart resumes after it. */
    checkpoint: number;
    logs: number;
    requests: number;
    etaSeconds: number | null;
    /** Seconds since its last progress report (a completed or retried request). */
    lastProgressAgeSeconds: number;
  }[];
}

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Interface to bind; default 127.0.0.1 (metrics and kill endpoints are for this machine or a local proxy). */
  host?: string;
  metrics: KeeperMetrics;
  /** The keeper's progress; see {@link healthFromMetrics}. */
  health: () => HealthStatus;
  killSwitch: KillSwitch;
  /** Bearer token of /kill and /unkill (at least 16 characters); undefined or empty disables them. */
  token?: string;
  /** /health fails when the head block is older than this; default 120 s. */
  maxHeadAgeSeconds?: number;
  /** /health fails when the loop has not reported a block for this long; default 120 s. */
  maxLastBlockAgeSeconds?: number;
  logger?: Logger;
  /** Serves the dashboard at /dashboard/ from these sources; without them /dashboard is 404. */
  dashboard?: DashboardSources;
}

/** A running ops server. */
export interface OpsServer {
  /** Base URL, e.g. http://127.0.0.1:9464. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The ops server could not start or was misconfigured. */
export class OpsServerError extends KeeperError {
  override name = "OpsServerError";
}

/** Shortest accepted token: 16 characters leave brute force over HTTP hopeless; generate with `openssl rand -hex 32`. */
export const MIN_TOKEN_LENGTH = 16;
/** /kill's body is a short reason; anything longer is cut, anything huge is refused. */
const MAX_BODY_BYTES = 4096;
const MAX_REASON_CHARS = 200;

const DEFAULT_MAX_AGE_SECONDS = 120;

/** A {@link HealthStatus} source reading the head that {@link observeKeeperEvent} recorded, on the metrics' clock. */
export function healthFromMetrics(metrics: KeeperMetrics): () => HealthStatus {
  const now = metricsClock(metrics);
  return () => {
    const head = headProgress(metrics);
    if (!head) return { head: undefined, headAgeSeconds: undefined, lastBlockAgeSeconds: undefined };
    const t = now();
    return {
      head: head.block,
      headAgeSeconds: Math.max(0, t / 1000 - Number(head.timestamp)),
      lastBlockAgeSeconds: Math.max(0, (t - head.seenAtMs) / 1000),
    };
  };
}

/** Starts the ops server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const token = options.token ? options.token : undefined;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    // The message names the length only: the token itself must not reach an error message either.
    throw new OpsServerError(`The ops token is too short (${token.length} characters, at least ${MIN_TOKEN_LENGTH}).`, {
      metaMessages: ["Generate one with `openssl rand -hex 32`, or leave it unset to disable /kill and /unkill."],
    });
  }
  const host = options.host ?? "127.0.0.1";
  const log = options.logger?.child({ component: "ops-server" });
  const handler = createHandler({ ...options, token }, log);

  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      log?.error({ err, method: req.method, path: pathOf(req) }, "ops request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  await listen(server, options.port, host);
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  log?.info({ url, killEndpoints: token ? "enabled" : "disabled (no token)" }, "ops server listening");
  if (!isLoopback(host))
    log?.warn({ host }, "ops server listens beyond this machine: /metrics is readable by anyone who can reach it");

  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (Prometheus keeps one open) would otherwise hold close() for minutes.
        server.closeAllConnections();
      }),
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function createHandler(options: OpsServerOptions & { token: string | undefined }, log: Logger | undefined): Handler {
  const maxHeadAge = options.maxHeadAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const maxLastBlockAge = options.maxLastBlockAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  // Digests of equal length whatever the token's: timingSafeEqual then leaks neither content nor length.
  const tokenDigest = options.token === undefined ? undefined : sha256(options.token);
  const routes: Record<string, { method: "GET" | "POST"; run: Handler }> = {
    "/metrics": {
      method: "GET",
      run: async (_req, res) => {
        const body = await options.metrics.registry.metrics();
        res.writeHead(200, { "content-type": options.metrics.registry.contentType, "cache-control": "no-store" });
        res.end(body);
      },
    },
    "/health": {
      method: "GET",
      run: async (_req, res) => {
        const { code, body } = evaluateHealth(options.health, maxHeadAge, maxLastBlockAge);
        sendJson(res, code, body);
      },
    },
    "/kill": {
      method: "POST",
      run: async (req, res) => {
        const reason = sanitizeReason(await readBody(req), options.token);
        options.killSwitch.engage("http", reason);
        sendJson(res, 200, { engaged: true, reason });
      },
    },
    "/unkill": {
      method: "POST",
      run: async (req, res) => {
        drain(req);
        const result = options.killSwitch.release("http");
        if (result.engaged) {
          sendJson(res, 409, {
            engaged: true,
            released: result.released,
            reason: `kill file ${options.killSwitch.file ?? ""} exists: remove it to resume`,
          });
        } else sendJson(res, 200, { engaged: false, released: result.released });
      },
    },
    ...(options.dashboard ? dashboardRoutes(options.dashboard) : {}),
  };

  return async (req, res) => {
    const path = pathOf(req);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    const isKillRoute = path === "/kill" || path === "/unkill";
    if (!route || (isKillRoute && tokenDigest === undefined)) {
      drain(req);
      sendJson(res, 404, { error: "not found" });
    } else if (req.method !== route.method && !(route.method === "GET" && req.method === "HEAD")) {
      drain(req);
      res.setHeader("allow", route.method === "GET" ? "GET, HEAD" : route.method);
      sendJson(res, 405, { error: "method not allowed" });
    } else if (isKillRoute && !authorized(req, tokenDigest!)) {
      drain(req);
      // Who tried and where, never what they sent: the header may hold a near-miss of the token.
      log?.warn(
        { method: req.method, path, remote: req.socket.remoteAddress },
        "ops request refused: bad or missing bearer token",
      );
      res.setHeader("www-authenticate", 'Bearer realm="keeper-ops"');
      sendJson(res, 401, { error: "unauthorized" });
      return;
    } else {
      await route.run(req, res);
    }
    log?.debug({ method: req.method, path, status: res.statusCode }, "ops request");
  };
}

/** The /health answer: 200 when a block was processed recently and the head is fresh, else 503 with the problems. */
function evaluateHealth(
  health: () => HealthStatus,
  maxHeadAge: number,
  maxLastBlockAge: number,
): { code: number; body: Record<string, unknown> } {
  let h: HealthStatus;
  try {
    h = health();
  } catch (err) {
    return {
      code: 503,
      body: { status: "error", problems: [`health check failed: ${err instanceof Error ? err.message : String(err)}`] },
    };
  }
  const problems: string[] = [];
  if (h.syncing) {
    // While discovery reads a long history the loop completes no block: its own progress is what must stay fresh.
    for (const s of h.syncing.indexes)
      if (s.lastProgressAgeSeconds > maxLastBlockAge)
        problems.push(`${s.index} discovery sync has made no progress for ${Math.round(s.lastProgressAgeSeconds)} s`);
    return {
      code: problems.length ? 503 : 200,
      body: {
        status: problems.length ? "stale" : "syncing",
        head: h.head === undefined ? null : Number(h.head),
        syncing: h.syncing,
        ...(problems.length ? { problems } : {}),
      },
    };
  }
  if (h.head === undefined) problems.push("no block processed yet");
  if (h.headAgeSeconds !== undefined && h.headAgeSeconds > maxHeadAge) {
    problems.push(`head block is ${Math.round(h.headAgeSeconds)} s old (max ${maxHeadAge} s)`);
  }
  if (h.lastBlockAgeSeconds !== undefined && h.lastBlockAgeSeconds > maxLastBlockAge) {
    problems.push(
      `keeper loop has not completed a block for ${Math.round(h.lastBlockAgeSeconds)} s (max ${maxLastBlockAge} s)`,
    );
  }
  const body: Record<string, unknown> = {
    status: problems.length ? (h.head === undefined ? "starting" : "stale") : "ok",
    // A JSON number: block numbers stay far below 2^53.
    head: h.head === undefined ? null : Number(h.head),
    headAgeSeconds: round(h.headAgeSeconds),
    lastBlockAgeSeconds: round(h.lastBlockAgeSeconds),
  };
  if (problems.length) body.problems = problems;
  return { code: problems.length ? 503 : 200, body };
}

function authorized(req: IncomingMessage, tokenDigest: Buffer): boolean {
  const header = req.headers.authorization;
  const m = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  if (!m) return false;
  return timingSafeEqual(sha256(m[1]), tokenDigest);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Reads up to MAX_BODY_BYTES of the body and discards the rest: an authenticated /kill engages
 * whatever its body looks like (a garbled reason must not stop the stop).
 */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The operator's reason from a /kill body (JSON {"reason"} or plain text), fit for a log line: one
 * line, bounded, and without the token should someone paste it there.
 */
function sanitizeReason(body: string, token: string | undefined): string {
  let reason = body.trim();
  if (reason.startsWith("{")) {
    try {
      const parsed = JSON.parse(reason) as { reason?: unknown };
      reason = typeof parsed.reason === "string" ? parsed.reason : "";
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  if (token) reason = reason.split(token).join("<redacted>");
  reason = reason
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .trim()
    .slice(0, MAX_REASON_CHARS);
  return reason ? `HTTP /kill: ${reason}` : "HTTP /kill";
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** Discards a request body we will not read, so the connection can be reused. */
function drain(req: IncomingMessage): void {
  req.resume();
}

function pathOf(req: IncomingMessage): string {
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  return q === -1 ? raw : raw.slice(0, q);
}

function round(x: number | undefined): number | null {
  return x === undefined ? null : Math.round(x * 1000) / 1000;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(
        new OpsServerError(`The ops server cannot listen on ${host}:${port}.`, {
          cause: err,
          metaMessages: err.code === "EADDRINUSE" ? ["Another process uses that port: choose another OPS_PORT."] : [],
        }),
      );
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
