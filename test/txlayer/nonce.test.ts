import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256 } from "viem";
import { NonceManager } from "../../src/txlayer/nonce.js";
import { createScenario, nonceOf, rpc, tempJournal, type Scenario } from "./scenario.js";

/** The keeper's nonce stream against a real chain's eth_getTransactionCount and a real journal. */
describe("NonceManager", () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario();
    // Give the keeper some history so its nonce is not 0.
    for (let i = 0; i < 3; i++) {
      const raw = await s.keeper.signTransaction({
        chainId: 31337,
        type: "eip1559",
        nonce: i,
        to: s.keeper.address,
        value: 0n,
        gas: 21_000n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 10n ** 9n,
      });
      await rpc(s, "eth_sendRawTransaction", [raw]);
    }
  });
  afterAll(async () => s?.chain.close());

  it("gives 50 concurrent reserve() calls distinct consecutive nonces from the chain's pending count, even with a resync in the middle", async () => {
    const start = await nonceOf(s, s.keeper.address, "pending");
    expect(start).toBe(3);
    const nonces = new NonceManager({ address: s.keeper.address, client: s.chain.public });
    const calls: Promise<number>[] = [];
    for (let i = 0; i < 50; i++) {
      calls.push(nonces.reserve());
      if (i === 25) void nonces.resync(); // serialised behind the reserves before it: must not rewind or repeat
    }
    const got = await Promise.all(calls);
    expect(new Set(got).size).toBe(50);
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => start + i));
    expect(got).toEqual([...got].sort((a, b) => a - b)); // handed out in call order
  });

  it("hands a released nonce out again before any higher one, and moves the top back down: no gap", async () => {
    const nonces = new NonceManager({ address: s.keeper.address, client: s.chain.public });
    const [a, b, c] = [await nonces.reserve(), await nonces.reserve(), await nonces.reserve()];
    expect([a, b, c]).toEqual([3, 4, 5]);
    nonces.confirm(a);
    nonces.release(b); // its broadcast failed: 4 must be reused
    expect(await nonces.reserve()).toBe(4);
    nonces.release(c); // the top: the stream simply moves back
    expect(nonces.state()).toEqual({ next: 5, reserved: [4], free: [] });
    expect(await nonces.reserve()).toBe(5);
  });

  it("resyncs to max(chain pending, journal's highest in-flight + 1), fills the gaps below first, never reuses a journaled nonce", async () => {
    const { journal } = tempJournal();
    // An unresolved intent holding nonce 7 (chain pending is 3): 3..6 are gaps, 7 is spoken for.
    const intent = journal.recordIntent({
      opportunityId: "x",
      actionKind: "liquidateAaveV2Flash",
      from: s.keeper.address,
      to: s.executor,
      calldata: "0x",
      blockSeen: 1n,
      expectedProfitWei: 1n,
    });
    journal.recordSigned(intent.id, {
      kind: "original",
      nonce: 7,
      hash: keccak256("0x07"),
      raw: "0x07",
      to: s.executor,
      gasLimit: 1n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
    });
    const nonces = new NonceManager({
      address: s.keeper.address,
      client: s.chain.public,
      inFlight: () => journal.inFlightNonces(s.keeper.address),
    });
    expect(await nonces.resync()).toBe(8);
    expect(nonces.state().free).toEqual([3, 4, 5, 6]);
    const got = await Promise.all(Array.from({ length: 6 }, () => nonces.reserve()));
    expect(got).toEqual([3, 4, 5, 6, 8, 9]);

    // Once the journal entry resolves as refused, 7 is a gap like any other after the next resync.
    journal.finalize(intent.id, "abandoned", "test");
    for (const n of got) nonces.release(n);
    expect(await nonces.resync()).toBe(3);
    expect(await nonces.reserve()).toBe(3);
    journal.close();
  });

  it("follows the chain when another sender used the account (nonce too low): resync jumps forward", async () => {
    const nonces = new NonceManager({ address: s.keeper.address, client: s.chain.public });
    expect(await nonces.reserve()).toBe(3);
    nonces.release(3);
    const raw = await s.keeper.signTransaction({
      chainId: 31337,
      type: "eip1559",
      nonce: 3,
      to: s.keeper.address,
      value: 0n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    await rpc(s, "eth_sendRawTransaction", [raw]);
    expect(await nonces.resync()).toBe(4);
    expect(await nonces.reserve()).toBe(4);
  });
});
