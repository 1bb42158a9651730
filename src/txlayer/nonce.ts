/**
 * The keeper account's one nonce stream. Nonces are handed out in order, each at most once, without gaps: a nonce
 * whose transaction never reached a node is handed out again before any higher one, and the stream restarts from
 * the chain and the journal, never below a nonce an unresolved journal entry holds.
 *
 * Several transactions in flight (consecutive nonces N, N+1, N+2...). The rule when the node refuses the one at N:
 *  - no later nonce handed out (N is the top): the stream moves back down to N; nothing is left behind;
 *  - a later one was handed out (N+1.. reserved or sent, possible only when submits overlap): N becomes a gap. The
 *    transactions above it were signed with their own nonces and may already sit in a mempool: they are never
 *    re-signed (their journaled bytes are what a restart rebroadcasts; re-signing them would put two transactions
 *    of one intent at two nonces). Instead the gap is filled: the next reserve() takes it (the next candidate),
 *    and a gap still open at the tracker's next block is filled by a 0-value self-transfer (TxSender.onBlock via
 *    `reserveGap`), so the later transactions can always be mined.
 */
import type { Address, Chain, PublicClient, Transport } from "viem";
import { TxLayerError } from "./errors.js";

export interface NonceManagerOptions {
  /** The keeper account. */
  address: Address;
  /** Client for resync when none is passed (and for the implicit first resync of reserve()). */
  client?: PublicClient<Transport, Chain>;
  /**
   * Nonces held by unresolved journal entries (Journal.inFlightNonces): spoken for even when the node does not count
   * them (a transaction below the base fee is not in Hardhat's "pending" count; a restarted node forgot its mempool).
   */
  inFlight?: () => readonly number[];
}

/** A view of the stream, for logs and tests. */
export interface NonceState {
  /** Next fresh nonce (undefined before the first resync). */
  next: number | undefined;
  /** Handed out, not yet confirmed or released. */
  reserved: number[];
  /** Released below `next`: handed out again first, lowest first. */
  free: number[];
}

/** One nonce stream; see the module comment. Safe under concurrent callers: reserve and resync are serialised. */
export class NonceManager {
  readonly address: Address;
  private readonly client: PublicClient<Transport, Chain> | undefined;
  private readonly inFlight: () => readonly number[];
  private next: number | undefined;
  private readonly reserved = new Set<number>();
  private readonly free = new Set<number>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: NonceManagerOptions) {
    this.address = options.address;
    this.client = options.client;
    this.inFlight = options.inFlight ?? (() => []);
  }

  /**
   * The next nonce to sign with: the lowest released one, else a fresh one. The caller must then `confirm` it (a
   * node accepted the transaction) or `release` it (no node has it), or the stream stalls behind it.
   */
  reserve(): Promise<number> {
    return this.serialised(async () => {
      if (this.next === undefined) await this.resyncNow(this.requireClient());
      const n = this.free.size > 0 ? Math.min(...this.free) : this.next!++;
      this.free.delete(n);
      this.reserved.add(n);
      return n;
    });
  }

  /** The nonce's transaction was accepted by a node: it is used (the journal holds it until it resolves). */
  confirm(nonce: number): void {
    this.reserved.delete(nonce);
  }

  /**
   * The nonce's transaction never reached a node (signing or broadcast failed): hand it out again before anything
   * higher, so no gap is left. The top of the stream simply moves back down.
   */
  release(nonce: number): void {
    if (!this.reserved.delete(nonce) || this.next === undefined || nonce >= this.next) return;
    this.free.add(nonce);
    while (this.next > 0 && this.free.has(this.next - 1)) this.free.delete(--this.next);
  }

  /**
   * A gap to fill now: the lowest released nonce below one an unresolved journal entry (or a send in progress) still
   * holds, reserved for the caller, who must `confirm` or `release` it like any other. Undefined when there is none
   * (or the stream was never synced): free nonces with nothing held above them are no gap, the next send takes them.
   */
  reserveGap(): Promise<number | undefined> {
    return this.serialised(async () => {
      if (this.next === undefined || this.free.size === 0) return undefined;
      const n = Math.min(...this.free);
      const held = [...this.inFlight(), ...this.reserved];
      if (!held.some((h) => h > n)) return undefined;
      this.free.delete(n);
      this.reserved.add(n);
      return n;
    });
  }

  /**
   * `nonce` is taken by a transaction the caller signs outside reserve() (re-signing a journaled intent at its own
   * nonce, gaps.ts): it is never handed out to anyone else, whatever a resync left free.
   */
  claim(nonce: number): Promise<void> {
    return this.serialised(async () => {
      this.free.delete(nonce);
      if (this.next === undefined || nonce < this.next) return;
      for (let n = this.next; n < nonce; n++) if (!this.reserved.has(n)) this.free.add(n);
      this.next = nonce + 1;
    });
  }

  /**
   * Restarts the stream from the chain (eth_getTransactionCount "pending") and the journal: next = max(chain
   * pending, highest nonce held by the journal or reserved + 1). Nonces between the chain's count and `next` that
   * nothing holds are gaps: they are handed out first. Call at start (after reconcile) and after "nonce too low",
   * "replacement underpriced" or "already known" from an original send, and after a reorg.
   */
  resync(client?: PublicClient<Transport, Chain>): Promise<number> {
    return this.serialised(() => this.resyncNow(client ?? this.requireClient()));
  }

  /** The stream's state (copies). */
  state(): NonceState {
    return {
      next: this.next,
      reserved: [...this.reserved].sort((a, b) => a - b),
      free: [...this.free].sort((a, b) => a - b),
    };
  }

  private async resyncNow(client: PublicClient<Transport, Chain>): Promise<number> {
    const pending = await client.getTransactionCount({ address: this.address, blockTag: "pending" });
    // Everything below is synchronous: no reserve or release can interleave between reading and setting.
    const held = new Set<number>([...this.inFlight(), ...this.reserved]);
    const maxHeld = held.size > 0 ? Math.max(...held) : -1;
    const next = Math.max(pending, maxHeld + 1);
    this.free.clear();
    for (let n = pending; n < next; n++) if (!held.has(n)) this.free.add(n);
    this.next = next;
    return next;
  }

  private requireClient(): PublicClient<Transport, Chain> {
    if (!this.client)
      throw new TxLayerError("NonceManager has no client: pass one to the constructor or call resync(client) first.");
    return this.client;
  }

  /** Runs `fn` after every earlier serialised call has settled (a promise chain as a mutex). */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
