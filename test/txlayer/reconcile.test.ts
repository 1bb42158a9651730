import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Journal } from "../../src/journal/journal.js";
import { NonceManager } from "../../src/txlayer/nonce.js";
import { reconcile } from "../../src/txlayer/reconcile.js";
import type { TxSender } from "../../src/txlayer/sender.js";
import {
  createScenario,
  head,
  keeperSender,
  liquidation,
  liquidationsOf,
  nonceOf,
  revertTo,
  rpc,
  setAutomine,
  snapshot,
  underwaterBorrower,
  wethToWei,
  type Scenario,
} from "./scenario.js";

/** A "crash": the process dies after the signed transaction is journaled and before it is broadcast. */
class Crash extends Error {}

/**
 * Restart safety on the real protocols: a keeper that died between journaling and broadcasting is restarted on the
 * same journal file; reconcile settles what it left behind, and nothing is ever sent twice.
 */
describe("reconcile after a crash", () => {
  let s: Scenario;
  let snap: string;
  let dir: string;
  beforeAll(async () => {
    s = await createScenario();
  });
  afterAll(async () => s?.chain.close());
  beforeEach(async () => {
    snap = await snapshot(s);
    dir = mkdtempSync(join(tmpdir(), "reconcile-"));
  });
  afterEach(async () => {
    await setAutomine(s, true);
    await revertTo(s, snap);
  });

  /** First life: journals an intent and its signed liquidation, then "crashes" before broadcasting. */
  async function crashBeforeBroadcast(user: `0x${string}`): Promise<number> {
    const journal = Journal.open(dir);
    const { sender } = keeperSender(s, journal, {
      beforeBroadcast: () => {
        throw new Crash("killed between journal and broadcast");
      },
    });
    await expect(
      sender.submit({
        opportunityId: `aave-v3:${user}`,
        action: await liquidation(s, user),
        blockSeen: await head(s),
        expectedProfitWei: wethToWei(s),
      }),
    ).rejects.toThrow(Crash);
    const [pending] = journal.pendingIntents();
    expect(pending.state).toBe("signed");
    expect(pending.attempts.map((a) => a.state)).toEqual(["signed"]);
    journal.close();
    return pending.id;
  }

  /** Second life: a new journal handle, nonce manager and sender on the same file. */
  function restart(): { journal: Journal; nonces: NonceManager; sender: TxSender } {
    const journal = Journal.open(dir);
    const nonces = new NonceManager({
      address: s.keeper.address,
      client: s.chain.public,
      inFlight: () => journal.inFlightNonces(s.keeper.address),
    });
    const { sender } = keeperSender(s, journal, { nonces });
    return { journal, nonces, sender };
  }

  it("rebroadcasts the journaled bytes once; they are mined once; a second reconcile does nothing", async () => {
    const user = await underwaterBorrower(s);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const id = await crashBeforeBroadcast(user);
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore); // the node never saw it

    const { journal, nonces, sender } = restart();
    const rebroadcasts: string[] = [];
    const first = await reconcile(journal, s.chain.public, {
      nonces,
      onRebroadcast: (_, hash) => rebroadcasts.push(hash),
    });
    expect(first).toEqual({ mined: [id], reverted: [], dropped: [], abandoned: [], rebroadcast: [], pending: [] });
    const [attempt] = journal.attempts(id);
    expect(rebroadcasts).toEqual([attempt.hash]);
    expect(nonces.state().next).toBe(nonceBefore + 1);

    const second = await reconcile(journal, s.chain.public, {
      nonces,
      onRebroadcast: (_, hash) => rebroadcasts.push(hash),
    });
    expect(second).toEqual({ mined: [], reverted: [], dropped: [], abandoned: [], rebroadcast: [], pending: [] });
    expect(rebroadcasts).toHaveLength(1);

    // The opportunity is resolved; asking again simulates first, and the healthy position sends nothing.
    const again = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(again.status).toBe("skipped");
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(1);
    const tx = await s.chain.public.getTransaction({ hash: attempt.hash });
    expect(tx.nonce).toBe(nonceBefore);
    journal.close();
  });

  it("with the transaction still unmined: no new transaction for the opportunity, the second reconcile sends nothing, one mined in the end", async () => {
    const user = await underwaterBorrower(s);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const id = await crashBeforeBroadcast(user);

    const { journal, nonces, sender } = restart();
    expect(await reconcile(journal, s.chain.public, { nonces })).toMatchObject({ rebroadcast: [id], pending: [] });
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore + 1);
    // The restarted keeper sees the opportunity again: refused, its intent is unresolved.
    const again = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(again).toMatchObject({
      status: "skipped",
      skip: { code: "duplicate", message: expect.stringContaining(`intent ${id}`) },
    });
    expect(await reconcile(journal, s.chain.public, { nonces })).toMatchObject({ rebroadcast: [], pending: [id] });

    await rpc(s, "evm_mine");
    const [resolution] = await sender.onBlock(await head(s));
    expect(resolution.intent).toMatchObject({ id, state: "mined" });
    const block = await s.chain.public.getBlock({ blockTag: "latest" });
    expect(block.transactions).toHaveLength(1);
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(1);
    journal.close();
  });

  it("rebroadcasts through the sender's submit function (a private relay), never to the public mempool", async () => {
    const user = await underwaterBorrower(s);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const id = await crashBeforeBroadcast(user);

    const { journal, nonces } = restart();
    const submitted: { raw: `0x${string}`; head: bigint }[] = [];
    const report = await reconcile(journal, s.chain.public, {
      nonces,
      submitRaw: async (raw, at) => {
        submitted.push({ raw, head: at });
      },
    });
    expect(report).toMatchObject({ rebroadcast: [id], pending: [] });
    const [attempt] = journal.attempts(id);
    expect(submitted).toEqual([{ raw: attempt.raw, head: await head(s) }]);
    // The public node never saw it: its pending nonce did not move.
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore);
    journal.close();
  });

  it("with the kill switch engaged: settles receipts but rebroadcasts nothing", async () => {
    const user = await underwaterBorrower(s);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const id = await crashBeforeBroadcast(user);

    const { journal, nonces } = restart();
    const submitted: string[] = [];
    const held = await reconcile(journal, s.chain.public, {
      nonces,
      allowRebroadcast: () => false,
      submitRaw: async (raw) => {
        submitted.push(raw);
      },
    });
    expect(held).toMatchObject({ rebroadcast: [], pending: [id] });
    expect(submitted).toEqual([]);
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore);
    expect(journal.intent(id)?.state).not.toMatch(/mined|dropped|abandoned/);
    // Released: the next reconcile sends the journaled bytes as usual.
    expect(await reconcile(journal, s.chain.public, { nonces, allowRebroadcast: () => true })).toMatchObject({
      rebroadcast: [id],
    });
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore + 1);
    journal.close();
  });

  it("routes every chain read through the `read` option (startup retries), with each read named", async () => {
    const user = await underwaterBorrower(s);
    const id = await crashBeforeBroadcast(user);
    const { journal, nonces } = restart();
    const reads: string[] = [];
    const report = await reconcile(journal, s.chain.public, {
      nonces,
      read: (what, fn) => {
        reads.push(what);
        return fn();
      },
    });
    expect(report).toMatchObject({ mined: [id] });
    expect(reads.some((w) => w.startsWith("read the nonce of"))).toBe(true);
    expect(reads.some((w) => w.startsWith("read the receipts of intent"))).toBe(true);
    expect(reads).toContain("resync the nonce stream");
    journal.close();
  });

  it("marks the intent dropped when its nonce was used by a transaction the journal does not know", async () => {
    const user = await underwaterBorrower(s);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const id = await crashBeforeBroadcast(user);
    // Meanwhile the operator used the key by hand: a plain transfer takes the nonce.
    const raw = await s.keeper.signTransaction({
      chainId: 31337,
      type: "eip1559",
      nonce: nonceBefore,
      to: s.owner.account.address,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    await rpc(s, "eth_sendRawTransaction", [raw]);

    const { journal, nonces } = restart();
    expect(await reconcile(journal, s.chain.public, { nonces })).toMatchObject({ dropped: [id], rebroadcast: [] });
    expect(journal.intent(id)).toMatchObject({
      state: "dropped",
      reason: expect.stringMatching(/nonce \d+ was used by a transaction the journal does not know/),
    });
    expect(journal.attempts(id)[0].state).toBe("dropped");
    expect(nonces.state().next).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(0);
    journal.close();
  });

  it("abandons an intent interrupted before anything was signed: no nonce was held, the opportunity is free", async () => {
    const journal = Journal.open(dir);
    const i = journal.recordIntent({
      opportunityId: "aave-v3:0xdead",
      actionKind: "liquidateAaveV2Flash",
      from: s.keeper.address,
      to: s.executor,
      calldata: "0x",
      blockSeen: 1n,
      expectedProfitWei: 1n,
    });
    expect((await reconcile(journal, s.chain.public)).abandoned).toEqual([i.id]);
    expect(journal.activeIntentFor("aave-v3:0xdead")).toBeUndefined();
    journal.close();
  });
});
