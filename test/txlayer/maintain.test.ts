import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { Address } from "viem";
import type { Journal } from "../../src/journal/journal.js";
import { Keeper } from "../../src/keeper/keeper.js";
import { createExecuteFn, SendPipeline, type Submitted } from "../../src/keeper/pipeline.js";
import { CircuitBreaker, DailyCaps, KillSwitch, SafetyGate } from "../../src/safety/index.js";
import type { SendOutcome } from "../../src/executor/outcome.js";
import type { StrategyContext } from "../../src/strategy/types.js";
import { ReorgTracker } from "../../src/txlayer/reorg.js";
import type { Snapshot } from "../../src/watcher/snapshot.js";
import type { Watcher } from "../../src/watcher/watcher.js";
import {
  GWEI,
  createScenario,
  head,
  keeperSender,
  liquidation,
  liquidationsOf,
  losesFirstSend,
  mineWithBaseFee,
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
 * The keeper's main loop keeps up what is in flight every block, not only while a send of its own waits: with the
 * safety gate refusing new sends (daily cap reached), a stuck transaction is still replaced and a reorged receipt
 * still noticed; with the kill switch engaged, a stuck transaction is cancelled, never replaced. The Keeper runs on
 * the real send pipeline and chain; its watcher and strategy are stand-ins that find nothing to do (no protocol
 * modules), so every transaction below was sent before the loop and only upkeep can touch it.
 */
describe("Keeper: upkeep of transactions in flight at every block", () => {
  let s: Scenario;
  let snap: string;
  let journal: Journal;
  const HIGH_BASE_FEE = 20n * GWEI;

  beforeAll(async () => {
    s = await createScenario();
  });
  afterAll(async () => s?.chain.close());
  beforeEach(async () => {
    snap = await snapshot(s);
    journal = tempJournal("maintain-").journal;
  });
  afterEach(async () => {
    journal.close();
    await setAutomine(s, true);
    await revertTo(s, snap);
  });

  /** A gate allowing one send a day, and its kill switch. */
  function oneSendADay() {
    const logger = pino({ level: "silent" });
    const killSwitch = new KillSwitch({ signal: false, logger });
    const gate = new SafetyGate({
      dryRun: false,
      killSwitch,
      breaker: new CircuitBreaker({ failureThreshold: 3, coolOff: { blocks: 10n }, logger }),
      caps: new DailyCaps({ maxGasWeiPerDay: 10n ** 20n, maxSendsPerDay: 1, logger }),
      logger,
    });
    return { gate, killSwitch };
  }

  /** A keeper over the live pipeline whose watcher hands out bare snapshots and whose plan is always empty. */
  function keeperOver(pipeline: SendPipeline): Keeper {
    const watcher = {
      snapshot: async (b?: bigint): Promise<Snapshot> => {
        const block = await s.chain.public.getBlock(b === undefined ? { blockTag: "latest" } : { blockNumber: b });
        return {
          blockNumber: block.number,
          blockHash: block.hash,
          timestamp: block.timestamp,
          baseFeePerGas: block.baseFeePerGas ?? 0n,
          gasLimit: block.gasLimit,
          prices: {},
          inventory: {},
          stats: { readMs: 0 },
        } as unknown as Snapshot;
      },
    } as unknown as Watcher;
    return new Keeper({
      client: s.chain.public,
      watcher,
      strategy: { wethToken: s.world.tokens.WETH.address, priorityFeePerGas: 1n * GWEI } as unknown as StrategyContext,
      protocols: [],
      execute: createExecuteFn(pipeline, { wethToken: s.world.tokens.WETH.address }),
      dryRun: false,
    });
  }

  async function setUp(client = s.chain.public) {
    const { sender, nonces } = keeperSender(s, journal, { client });
    const { gate, killSwitch } = oneSendADay();
    const tracker = new ReorgTracker({ client: s.chain.public, journal, nonces });
    const pipeline = new SendPipeline({
      mode: { dryRun: false, sender, tracker, pollIntervalMs: 10, maxWaitBlocks: 1 },
      gate,
    });
    return { sender, gate, killSwitch, pipeline, keeper: keeperOver(pipeline) };
  }

  async function submitOne(pipeline: SendPipeline, user: Address): Promise<Submitted> {
    const r: SendOutcome | Submitted = await pipeline.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (r.status !== "submitted") throw new Error(`expected submitted, got ${r.status}`);
    return r;
  }

  it("replaces a stuck transaction while the daily cap refuses new sends, then it is mined", async () => {
    const user = await underwaterBorrower(s);
    const { gate, pipeline, keeper } = await setUp();
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const sent = await submitOne(pipeline, user);
    expect(gate.mayI({ gasWorstCaseWei: 1n })).toMatchObject({ ok: false, gate: "daily-cap" });

    for (let i = 0; i < 3; i++) await keeper.processBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    const attempts = journal.attempts(sent.intentId);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "replacement"]);
    expect(attempts[1].nonce).toBe(sent.nonce);
    expect(attempts[1].maxFeePerGas).toBeGreaterThan(HIGH_BASE_FEE);

    await keeper.processBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    expect(journal.intent(sent.intentId)!.state).toBe("mined");
    expect(journal.intent(sent.intentId)!.receipt?.hash).toBe(attempts[1].hash);
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(1);
  });

  it("notices a reorged receipt while the daily cap refuses new sends", async () => {
    const user = await underwaterBorrower(s);
    const { gate, sender, pipeline, keeper } = await setUp();
    const before = await snapshot(s);
    const sent = await submitOne(pipeline, user); // automine: mined at once
    await sender.onBlock(await head(s));
    expect(journal.intent(sent.intentId)!.state).toBe("mined");
    expect(gate.mayI({ gasWorstCaseWei: 1n })).toMatchObject({ ok: false, gate: "daily-cap" });

    // The block with the liquidation leaves the canonical chain; two empty blocks take its place.
    await revertTo(s, before);
    await rpc(s, "evm_mine");
    await rpc(s, "evm_mine");
    await keeper.processBlock(await head(s));
    expect(journal.intent(sent.intentId)!.state).toBe("reorged");
    expect(journal.activeIntentFor(`aave-v3:${user}`)).toBeUndefined();
    expect(await liquidationsOf(s, user)).toBe(0);
  });

  it("with the kill switch engaged, a stuck transaction is cancelled, never replaced", async () => {
    const user = await underwaterBorrower(s);
    const { killSwitch, pipeline, keeper } = await setUp();
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const sent = await submitOne(pipeline, user);
    killSwitch.engage("program", "operator stop (test)");

    for (let i = 0; i < 3; i++) await keeper.processBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    const attempts = journal.attempts(sent.intentId);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "cancel"]);
    expect(journal.intent(sent.intentId)!.reason).toMatch(/kill switch engaged: operator stop \(test\)/);

    await keeper.processBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    expect(journal.intent(sent.intentId)!.state).toBe("abandoned");
    expect(journal.attempts(sent.intentId).map((a) => a.kind)).toEqual(["original", "cancel"]);
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(0);
    killSwitch.close();
  });

  it("with the kill switch engaged, journaled bytes no node acknowledged are not rebroadcast; once released, they are", async () => {
    const user = await underwaterBorrower(s);
    const { killSwitch, pipeline, keeper } = await setUp(losesFirstSend(s) as never);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const sent = await submitOne(pipeline, user); // lost in transport: journaled, `signed`, unknown to the node
    killSwitch.engage("program", "operator stop (test)");
    for (let i = 0; i < 3; i++) {
      await rpc(s, "evm_mine");
      await keeper.processBlock(await head(s));
    }
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore);
    expect(journal.attempts(sent.intentId).map((a) => [a.kind, a.state])).toEqual([["original", "signed"]]);

    killSwitch.release("program");
    await rpc(s, "evm_mine");
    await keeper.processBlock(await head(s)); // rebroadcast (automine: mined at once)
    await keeper.processBlock(await mineWithBaseFee(s, 1n));
    expect(journal.intent(sent.intentId)!.state).toBe("mined");
    expect(journal.attempts(sent.intentId)).toHaveLength(1);
    expect(await liquidationsOf(s, user)).toBe(1);
    killSwitch.close();
  });
});
