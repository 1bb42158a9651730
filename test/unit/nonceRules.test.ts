import { describe, expect, it } from "vitest";
import type { Chain, PublicClient, Transport } from "viem";
import { NonceManager } from "../../src/txlayer/nonce.js";

/** A client whose only answer is the account's pending transaction count. */
function countClient(pending: { n: number }): PublicClient<Transport, Chain> {
  return { getTransactionCount: async () => pending.n } as unknown as PublicClient<Transport, Chain>;
}

const ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

/**
 * The nonce allocation rules with several transactions in flight, without a chain: the stream's only input is the
 * node's pending count and the journal's held nonces (here a plain array).
 */
describe("nonce allocation with several in flight", () => {
  function stream(pending = 10, held: number[] = []) {
    const count = { n: pending };
    const journal = [...held];
    const nonces = new NonceManager({ address: ADDRESS, client: countClient(count), inFlight: () => journal });
    return { nonces, journal, count };
  }

  it("hands out consecutive nonces to sends of one block", async () => {
    const { nonces, journal } = stream(10);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      const n = await nonces.reserve();
      nonces.confirm(n);
      journal.push(n);
      got.push(n);
    }
    expect(got).toEqual([10, 11, 12]);
    expect(nonces.state()).toEqual({ next: 13, reserved: [], free: [] });
    expect(await nonces.reserveGap()).toBeUndefined();
  });

  it("a refused broadcast at the top moves the stream back: no gap, nothing to fill", async () => {
    const { nonces, journal } = stream(10);
    const a = await nonces.reserve();
    nonces.confirm(a);
    journal.push(a);
    const b = await nonces.reserve();
    nonces.release(b); // refused, and nothing above it was handed out
    expect(nonces.state()).toEqual({ next: 11, reserved: [], free: [] });
    expect(await nonces.reserveGap()).toBeUndefined();
    expect(await nonces.reserve()).toBe(11);
  });

  it("a refused broadcast under a later nonce leaves a gap the next send takes first", async () => {
    const { nonces, journal } = stream(10);
    const [a, b, c] = [await nonces.reserve(), await nonces.reserve(), await nonces.reserve()];
    for (const n of [a, c]) (nonces.confirm(n), journal.push(n));
    nonces.release(b); // 11 refused after 12 was handed out (overlapping submits)
    expect(nonces.state()).toEqual({ next: 13, reserved: [], free: [11] });
    expect(await nonces.reserve()).toBe(11); // the next candidate fills it
    expect(await nonces.reserve()).toBe(13);
  });

  it("a gap no send takes is handed to the gap filler, lowest first, once", async () => {
    const { nonces, journal } = stream(10);
    const got = await Promise.all([0, 1, 2, 3].map(() => nonces.reserve()));
    expect(got).toEqual([10, 11, 12, 13]);
    for (const n of [10, 13]) (nonces.confirm(n), journal.push(n));
    nonces.release(11);
    nonces.release(12);
    expect(await nonces.reserveGap()).toBe(11);
    expect(await nonces.reserveGap()).toBe(12);
    expect(await nonces.reserveGap()).toBeUndefined();
    // A refused filler gives its nonce back: it is a gap again, retried.
    nonces.release(12);
    expect(await nonces.reserveGap()).toBe(12);
    nonces.confirm(11);
    nonces.confirm(12);
    expect(nonces.state()).toEqual({ next: 14, reserved: [], free: [] });
  });

  it("a gap whose later nonces resolved (nothing held above it) is no gap: the stream is not filled, the next send takes it", async () => {
    const { nonces, journal } = stream(10);
    const [a, b] = [await nonces.reserve(), await nonces.reserve()];
    nonces.confirm(b);
    journal.push(b);
    nonces.release(a);
    expect(nonces.state().free).toEqual([10]);
    journal.length = 0; // the intent at 11 resolved (e.g. abandoned) without being mined
    expect(await nonces.reserveGap()).toBeUndefined();
    expect(await nonces.reserve()).toBe(10);
  });

  it("after a restart, nonces between the chain's pending count and a held one are gaps (a refused send the journal knows)", async () => {
    // The journal holds 12 (signed, not yet rebroadcast); the node counts 10 pending: 10 and 11 hold nothing.
    const { nonces } = stream(10, [12]);
    expect(await nonces.resync()).toBe(13);
    expect(await nonces.reserveGap()).toBe(10);
    expect(await nonces.reserve()).toBe(11);
    expect(await nonces.reserve()).toBe(13);
  });
});
