/**
 * The first discovery sync, seen from outside: progress lines in the log (throttled) and a "syncing" answer for
 * /health while it runs, so an operator (or a liveness probe) tells a keeper reading a long history from a stuck one.
 *
 * Wiring (src/cli/run.ts): `const sync = new DiscoverySyncStatus({ logger: log })`, pass
 * `discovery: { store: DiscoveryStore.open(dataDir), onProgress: sync.onProgress }` to the Watcher and
 * `health: withDiscoverySync(healthFromMetrics(metrics), sync)` to startOpsServer.
 */
import type { Logger } from "pino";
import type { DiscoveryProgress } from "../protocols/discovery.js";
import type { DiscoverySyncEntry } from "./dashboard/data.js";
import type { HealthStatus, SyncingStatus } from "./server.js";

/** Options of {@link DiscoverySyncStatus}. */
export interface DiscoverySyncStatusOptions {
  logger?: Logger;
  /** At most one progress line per index this often (default 10 s); the first and the last are always written. */
  logEveryMs?: number;
  /** Clock in ms (tests pin it). */
  now?: () => number;
}

/** Follows every index's sync from its progress callbacks. */
export class DiscoverySyncStatus {
  private readonly byIndex = new Map<string, { progress: DiscoveryProgress; at: number; loggedAt: number }>();
  private readonly now: () => number;
  private readonly logEveryMs: number;

  constructor(private readonly options: DiscoverySyncStatusOptions = {}) {
    this.now = options.now ?? Date.now;
    this.logEveryMs = options.logEveryMs ?? 10_000;
  }

  /** The callback for WatcherOptions.discovery.onProgress. */
  readonly onProgress = (p: DiscoveryProgress): void => {
    const t = this.now();
    const prev = this.byIndex.get(p.index);
    // A new sync of the same index (a catch-up after downtime) starts its own lines.
    const fresh = !prev || prev.progress.done || prev.progress.fromBlock !== p.fromBlock;
    const log = fresh || p.done || t - prev.loggedAt >= this.logEveryMs;
    this.byIndex.set(p.index, { progress: p, at: t, loggedAt: log ? t : prev!.loggedAt });
    if (!log || !this.options.logger) return;
    this.options.logger.info(
      {
        index: p.index,
        blocks: `${p.doneBlocks}/${p.totalBlocks}`,
        percent: percent(p),
        checkpoint: p.checkpoint.toString(),
        logs: p.logs,
        requests: p.requests,
        retries: p.retries,
        splits: p.splits,
        range: p.range.toString(),
        ...(p.done
          ? { seconds: Math.round(p.elapsedMs / 100) / 10 }
          : { etaSeconds: p.etaMs === undefined ? null : Math.round(p.etaMs / 1000) }),
      },
      p.done ? "discovery sync done" : "discovery sync",
    );
  };

  /**
   * Every index's last progress, finished syncs included (the dashboard shows what was read and how long it took);
   * empty until a long sync has started.
   */
  indexes(): DiscoverySyncEntry[] {
    return [...this.byIndex.values()].map(({ progress: p }) => ({
      index: p.index,
      done: p.done,
      doneBlocks: Number(p.doneBlocks),
      totalBlocks: Number(p.totalBlocks),
      percent: percent(p),
      logs: p.logs,
      requests: p.requests,
      seconds: Math.round(p.elapsedMs / 100) / 10,
      etaSeconds: p.done || p.etaMs === undefined ? null : Math.round(p.etaMs / 1000),
    }));
  }

  /** The syncs still running (none: undefined), for /health. */
  syncing(): SyncingStatus | undefined {
    const running = [...this.byIndex.values()].filter((s) => !s.progress.done);
    if (!running.length) return undefined;
    const t = this.now();
    return {
      indexes: running.map(({ progress: p, at }) => ({
        index: p.index,
        doneBlocks: Number(p.doneBlocks),
        totalBlocks: Number(p.totalBlocks),
        percent: percent(p),
        checkpoint: Number(p.checkpoint),
        logs: p.logs,
        requests: p.requests,
        etaSeconds: p.etaMs === undefined ? null : Math.round(p.etaMs / 1000),
        lastProgressAgeSeconds: Math.max(0, (t - at) / 1000),
      })),
    };
  }
}

function percent(p: DiscoveryProgress): number {
  return p.totalBlocks > 0n ? Number((p.doneBlocks * 10_000n) / p.totalBlocks) / 100 : 100;
}

/** `health` with the discovery sync's progress added while it runs. */
export function withDiscoverySync(health: () => HealthStatus, sync: DiscoverySyncStatus): () => HealthStatus {
  return () => ({ ...health(), syncing: sync.syncing() });
}
