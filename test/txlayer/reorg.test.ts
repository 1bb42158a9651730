import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { IntentRecord } from "../../src/journal/types.js";
import type { Journal } from "../../src/journal/journal.js";
import { ReorgTracker } from "../../src/txlayer/reorg.js";
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
  tempJournal,
  underwaterBorrower,
  wethToWei,
  type Scenario,
} from "./scenario.js";

/**
 * Reorgs on the in-process Hardhat chain: evm_revert to a snapshot taken before the keeper's transaction makes the
 * node drop every block after it, which is what a reorg looks like from the keeper's side.
 */
describe("ReorgTracker", () => {
  let s: Scenario;
  let outer: string;
  let journal: Journal;
  beforeAll(async () => {
    s = await createScenario();
  });
  afterAll(async () => s?.chain.close());
  beforeEach(async () => {
    outer = await snapshot(s);
    journal = tempJournal("reorg-").journal;
  });
  afterEach(async () => {
    journal.close();
    await setAutomine(s, true);
    await revertTo(s, outer);
  });

  /** Sends and mines the liquidation of a fresh underwater borrower, with a snapshot from just before it. */
  async function minedLiquidation() {
    const user = await underwaterBorrower(s);
    const { sender, nonces } = keeperSender(s, journal);
    const reorged: IntentRecord[] = [];
    const tracker = new ReorgTracker({ client: s.chain.public, journal, nonces, onReorg: (i) => reorged.push(i) });
    const before = await snapshot(s);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);
    const [resolution] = await sender.onBlock(await head(s));
    expect(resolution.intent.state).toBe("mined");
    const receipt = resolution.intent.receipt!;
    expect(await tracker.check(await head(s))).toMatchObject({ checked: 1, reorged: [], moved: [], reopened: [] });
    expect(await liquidationsOf(s, user)).toBe(1);
    return {
      user,
      sender,
      nonces,
      tracker,
      reorged,
      before,
      nonceBefore,
      intent: resolution.intent,
      receipt,
      raw: sent.attempt.raw,
    };
  }

  it("detects a mined liquidation whose block was reorged out, marks it reorged and hands the opportunity back", async () => {
    const m = await minedLiquidation();
    await revertTo(s, m.before); // the reorg: the block holding the liquidation is gone...
    await rpc(s, "hardhat_mine", ["0x2"]); // ...and the chain grows past it with other blocks
    const replacedBlock = await s.chain.public.getBlock({ blockNumber: m.receipt.blockNumber });
    expect(replacedBlock.hash).not.toBe(m.receipt.blockHash);
    expect(replacedBlock.transactions).toHaveLength(0);

    const report = await m.tracker.check(await head(s));
    expect(report.reorged.map((i) => i.id)).toEqual([m.intent.id]);
    expect(m.reorged.map((i) => [i.opportunityId, i.state])).toEqual([[`aave-v3:${m.user}`, "reorged"]]);
    expect(journal.intent(m.intent.id)!.reason).toMatch(
      /left the canonical chain.*none of its transactions is mined any more/,
    );
    expect(journal.attempts(m.intent.id)[0].state).toBe("reorged");
    expect(journal.activeIntentFor(`aave-v3:${m.user}`)).toBeUndefined();
    expect(journal.gasSpentSince(0)).toBe(0n);
    // The nonce is free again and the stream went back to it: no gap.
    expect(m.nonces.state().next).toBe(m.nonceBefore);
    expect(await liquidationsOf(s, m.user)).toBe(0);
    expect(await m.tracker.check(await head(s))).toMatchObject({ checked: 0 }); // handled once

    // Handed back: the keeper re-evaluates and liquidates again, on the same nonce.
    const again = await m.sender.submit({
      opportunityId: `aave-v3:${m.user}`,
      action: await liquidation(s, m.user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (again.status !== "sent") throw new Error(`expected sent, got ${again.status}`);
    expect(again.attempt.nonce).toBe(m.nonceBefore);
    await m.sender.onBlock(await head(s));
    expect(await liquidationsOf(s, m.user)).toBe(1);
    expect(await nonceOf(s, s.keeper.address)).toBe(m.nonceBefore + 1);
  });

  it("follows a transaction re-mined in another block: receipt updated, nothing handed back", async () => {
    const m = await minedLiquidation();
    await revertTo(s, m.before);
    await rpc(s, "evm_mine");
    await rpc(s, "eth_sendRawTransaction", [m.raw]); // another builder includes it one block later
    const report = await m.tracker.check(await head(s));
    expect(report.reorged).toEqual([]);
    expect(report.moved.map((i) => i.id)).toEqual([m.intent.id]);
    const now = journal.intent(m.intent.id)!;
    expect(now.state).toBe("mined");
    expect(now.receipt!.blockNumber).toBe(m.receipt.blockNumber + 1n);
    expect(now.receipt!.blockHash).not.toBe(m.receipt.blockHash);
    expect(m.reorged).toEqual([]);
    expect(await liquidationsOf(s, m.user)).toBe(1);
  });

  it("reopens an intent whose transaction is back in the mempool instead of handing it back (no second send)", async () => {
    const m = await minedLiquidation();
    await revertTo(s, m.before);
    await setAutomine(s, false);
    await rpc(s, "eth_sendRawTransaction", [m.raw]); // the reorged-out transaction returns to the mempool
    const report = await m.tracker.check(await head(s));
    expect(report.reopened.map((i) => i.id)).toEqual([m.intent.id]);
    expect(m.reorged).toEqual([]);
    const again = await m.sender.submit({
      opportunityId: `aave-v3:${m.user}`,
      action: await liquidation(s, m.user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(again).toMatchObject({ status: "skipped", skip: { code: "duplicate" } });

    await rpc(s, "evm_mine");
    const [resolution] = await m.sender.onBlock(await head(s));
    expect(resolution.intent).toMatchObject({ id: m.intent.id, state: "mined" });
    expect(await liquidationsOf(s, m.user)).toBe(1);
    expect(await nonceOf(s, s.keeper.address)).toBe(m.nonceBefore + 1);
  });

  it("stops checking a receipt once it has `confirmations` blocks", async () => {
    const m = await minedLiquidation();
    await rpc(s, "hardhat_mine", ["0x3"]); // 4 confirmations
    expect((await m.tracker.check(await head(s))).checked).toBe(1);
    await rpc(s, "evm_mine"); // 5
    expect((await m.tracker.check(await head(s))).checked).toBe(0);
  });
});
