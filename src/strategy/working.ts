/**
 * A working copy of a snapshot for planning a block as a sequence: each planned action's exact effect on the
 * venues it trades on is written here before the next action is sized, so the tenth liquidation through a pair is
 * priced on the reserves the first nine leave behind, not on the block's. Positions an action settles are marked
 * consumed (each is planned at most once a block; what a partial liquidation leaves is planned again next block).
 */
import type { Address } from "viem";
import type { VenueEffect } from "../protocols/module.js";
import type { V2PairState } from "../protocols/uniswapV2/read.js";
import type { V3PoolSnapshot } from "../protocols/uniswapV3/read.js";
import type { Snapshot } from "../watcher/snapshot.js";

export class WorkingSnapshot {
  private readonly v2 = new Map<string, V2PairState>();
  private readonly v3 = new Map<string, V3PoolSnapshot>();
  /** Venues moved by a planned action, exactly (their state here is what the chain will have). */
  private readonly moved = new Set<string>();
  /** Addresses moved by a planned action whose effect is not modelled: anything on them waits for the next block. */
  private readonly opaque = new Set<string>();
  private cached: Snapshot | undefined;

  constructor(private readonly base: Snapshot) {
    for (const p of base.v2Pairs ?? []) this.v2.set(p.address.toLowerCase(), p);
    for (const p of base.v3Pools ?? []) this.v3.set(p.address.toLowerCase(), p);
  }

  /** The snapshot as the planned actions leave it (a new object after each change; the base is never mutated). */
  view(): Snapshot {
    this.cached ??= { ...this.base, v2Pairs: [...this.v2.values()], v3Pools: [...this.v3.values()] } as Snapshot;
    return this.cached;
  }

  /** Writes the exact post-state of the venues an action trades on. */
  apply(effects: readonly VenueEffect[]): void {
    for (const e of effects) {
      const key = e.address.toLowerCase();
      if (e.kind === "v2") {
        const p = this.v2.get(key);
        if (p) this.v2.set(key, { ...p, reserve0: e.reserve0, reserve1: e.reserve1 });
      } else {
        const p = this.v3.get(key);
        if (p) this.v3.set(key, { ...p, state: e.state });
      }
      this.moved.add(key);
    }
    this.cached = undefined;
  }

  /** Marks addresses changed in a way the planner cannot price (a rebalance's funding, an unknown action). */
  markOpaque(addresses: readonly Address[] | readonly string[]): void {
    for (const a of addresses) this.opaque.add(a.toLowerCase());
  }

  /** Whether any of these addresses was moved by an earlier planned action (exactly or not). */
  anyMoved(addresses: readonly string[]): boolean {
    return addresses.some((a) => this.moved.has(a.toLowerCase()) || this.opaque.has(a.toLowerCase()));
  }

  /** Whether any of these addresses was changed in a way that is not modelled. */
  anyOpaque(addresses: readonly string[]): boolean {
    return addresses.some((a) => this.opaque.has(a.toLowerCase()));
  }
}
