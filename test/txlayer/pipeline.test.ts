import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createPublicClient, custom, parseTransaction, type Address, type Hex } from "viem";
import { localChain } from "../../src/chain/inProcess.js";
import type { SendOutcome } from "../../src/executor/outcome.js";
import { simulateAction } from "../../src/executor/simulate.js";
import type { Journal } from "../../src/journal/journal.js";
import { SendPipeline, type Submitted } from "../../src/keeper/pipeline.js";
import { CircuitBreaker, DailyCaps, KillSwitch, SafetyGate } from "../../src/safety/index.js";
import { GAP_FILL_KIND } from "../../src/txlayer/gaps.js";
import { ReorgTracker } from "../../src/txlayer/reorg.js";
import type { TxSender } from "../../src/txlayer/sender.js";
import {
  GWEI,
  USD,
  createScenario,
  head,
  keeperSender,
  liquidation,
  liquidationsOf,
  mineWithBaseFee,
  nonceOf,
  revertTo,
  setAutomine,
  snapshot,
  tempJournal,
  underwaterBorrower,
  wethToWei,
  type Scenario,
} from "./scenario.js";

/** A ReorgTracker that also records the heads the settle loop handed it (one call per new head). */
class SpyTracker extends ReorgTracker {
  readonly heads: bigint[] = [];
  override async check(h: bigint) {
    this.heads.push(h);
    return super.check(h);
  }
}

/**
 * Several transactions per block through SendPipeline.submit / settle on the real protocols (in-process Hardhat
 * chain, automine off): consecutive nonces, simulation on the pending block, per-nonce replacement of all of them,
 * a refused broadcast in the middle filled without a gap, and the safety gate accounting each send once.
 */
describe("SendPipeline: several transactions in flight", () => {
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
    journal = tempJournal("pipeline-").journal;
  });
  afterEach(async () => {
    journal.close();
    await setAutomine(s, true);
    await revertTo(s, snap);
  });

  function safetyGate() {
    const logger = pino({ level: "silent" });
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolOff: { blocks: 10n }, logger });
    const caps = new DailyCaps({ maxGasWeiPerDay: 10n ** 20n, maxSendsPerDay: 100, logger });
    return {
      gate: new SafetyGate({
        dryRun: false,
        killSwitch: new KillSwitch({ signal: false, logger }),
        breaker,
        caps,
        logger,
      }),
      caps,
      breaker,
    };
  }

  function pipelineOver(sender: TxSender, gate?: SafetyGate) {
    const tracker = new SpyTracker({ client: s.chain.public, journal });
    const pipeline = new SendPipeline({
      mode: { dryRun: false, sender, tracker, pollIntervalMs: 10, maxWaitBlocks: 20 },
      gate,
    });
    return { pipeline, tracker };
  }

  /** `n` underwater borrowers (each opened at HF 1.05 before the same price fall). */
  async function borrowers(n: number) {
    const users: Address[] = [];
    for (let i = 0; i < n; i++) users.push(await underwaterBorrower(s, 20_000n * USD));
    return users;
  }

  const params = async (user: `0x${string}`, opportunityId = `aave-v3:${user}`) => ({
    opportunityId,
    action: await liquidation(s, user),
    blockSeen: await head(s),
    expectedProfitWei: wethToWei(s),
  });

  function submitted(r: SendOutcome | Submitted): Submitted {
    if (r.status !== "submitted")
      throw new Error(`expected submitted, got ${JSON.stringify(r, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`);
    return r;
  }

  /** Mines a block (at `baseFee`) and waits until the settle loop has handled that head. */
  async function mineSeen(tracker: SpyTracker, baseFee: bigint): Promise<bigint> {
    const h = await mineWithBaseFee(s, baseFee);
    const until = Date.now() + 10_000;
    while (!tracker.heads.includes(h)) {
      if (Date.now() > until) throw new Error(`settle never saw head ${h}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return h;
  }

  it("simulates the second send of a block on the pending block: it sees the first one (Hardhat's pending block holds its mempool)", async () => {
    const [a, b] = await borrowers(2);
    const { sender } = keeperSender(s, journal);
    const { gate, caps } = safetyGate();
    const { pipeline, tracker } = pipelineOver(sender, gate);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);

    const first = submitted(await pipeline.submit(await params(a)));
    expect(first.nonce).toBe(nonceBefore);
    // The node: on "latest" the liquidation of `a` still passes; on "pending" (the first send applied) it reverts.
    const action = await liquidation(s, a);
    expect((await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action })).ok).toBe(true);
    const onPending = await simulateAction(s.chain.public, {
      executor: s.executor,
      account: s.keeper,
      action,
      blockTag: "pending",
    });
    expect(onPending.ok).toBe(false);

    // So the pipeline does not send the same liquidation twice in one block (another candidate for the same
    // borrower), and the next borrower takes the next nonce.
    const again = await pipeline.submit(await params(a, `aave-v3:${a}:again`));
    expect(again).toMatchObject({ status: "skipped", skip: { code: "simulation-reverted" } });
    const second = submitted(await pipeline.submit(await params(b)));
    expect(second.nonce).toBe(nonceBefore + 1);
    expect(gate.inFlight()).toBe(2);

    const settling = pipeline.settle([first, second]);
    await mineSeen(tracker, 1n);
    const outcomes = await settling;
    expect([...outcomes.keys()]).toEqual(expect.arrayContaining([first.intentId, second.intentId]));
    expect([...outcomes.values()].map((o) => o.status)).toEqual(["mined", "mined"]);
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 2);
    expect([await liquidationsOf(s, a), await liquidationsOf(s, b)]).toEqual([1, 1]);
    // The gate: two sends, each accounted once at its receipt's cost; nothing left in flight.
    const paid = [...outcomes.values()].reduce(
      (sum, o) => sum + (o.status === "mined" ? o.gasUsed * o.effectiveGasPrice : 0n),
      0n,
    );
    expect(caps.usage()).toMatchObject({ sends: 2, gasSpentWei: paid });
    expect(gate.inFlight()).toBe(0);
  });

  it("replaces three stuck transactions per nonce: each keeps its nonce, all three land, each intent resolved once, nonce +3", async () => {
    const users = await borrowers(3);
    const replaced: { intentId: number; nonce: number }[] = [];
    const { sender } = keeperSender(s, journal, {
      onEvent: (e) => void (e.type === "replaced" && replaced.push({ intentId: e.intentId, nonce: e.nonce })),
    });
    const { gate, caps } = safetyGate();
    const { pipeline, tracker } = pipelineOver(sender, gate);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);

    const sent: Submitted[] = [];
    for (const u of users) sent.push(submitted(await pipeline.submit(await params(u))));
    expect(sent.map((x) => x.nonce)).toEqual([nonceBefore, nonceBefore + 1, nonceBefore + 2]);

    const settling = pipeline.settle(sent);
    // Blocks at a base fee none of them can pay, until each has been replaced once.
    for (let i = 0; i < 10 && replaced.length < 3; i++) await mineSeen(tracker, HIGH_BASE_FEE);
    expect(replaced.map((r) => r.nonce).sort()).toEqual(sent.map((x) => x.nonce));
    await mineSeen(tracker, HIGH_BASE_FEE); // the replacements pay it
    const outcomes = await settling;

    for (const x of sent) {
      const attempts = journal.attempts(x.intentId);
      expect(attempts.map((a) => a.kind)).toEqual(["original", "replacement"]);
      expect(attempts.every((a) => a.nonce === x.nonce)).toBe(true);
      expect(attempts.map((a) => a.state)).toEqual(["replaced", "mined"]);
      const outcome = outcomes.get(x.intentId)!;
      expect(outcome).toMatchObject({ status: "mined", hash: attempts[1].hash });
      expect(journal.events(x.intentId).filter((e) => e.type === "final")).toHaveLength(1); // resolved once
      expect((await s.chain.public.getTransaction({ hash: attempts[1].hash })).nonce).toBe(x.nonce);
    }
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 3);
    for (const u of users) expect(await liquidationsOf(s, u)).toBe(1);
    expect(caps.usage().sends).toBe(3);
    expect(gate.inFlight()).toBe(0);
  });

  /** A transport that refuses the broadcast at `refusedNonce` once the one above it has reached the node. */
  function refusingClient(refusedNonce: () => number) {
    let above: () => void = () => {};
    const aboveSent = new Promise<void>((r) => (above = r));
    let refused = 0;
    const client = createPublicClient({
      chain: localChain,
      pollingInterval: 20,
      transport: custom(
        {
          request: async (args: { method: string; params?: unknown }) => {
            if (args.method === "eth_sendRawTransaction") {
              const nonce = parseTransaction((args.params as Hex[])[0]).nonce;
              if (nonce === refusedNonce() && refused++ === 0) {
                await Promise.race([aboveSent, new Promise((r) => setTimeout(r, 5_000))]);
                throw new Error("insufficient funds for gas * price + value");
              }
              const result = await s.chain.provider.request(args as { method: string; params?: unknown[] });
              if (nonce === refusedNonce() + 1) above();
              return result;
            }
            return s.chain.provider.request(args as { method: string; params?: unknown[] });
          },
        },
        { retryCount: 0 },
      ),
    });
    return client as never;
  }

  it("a broadcast refused under a later in-flight nonce: the gap is filled by a self-transfer, and the later one mines", async () => {
    const users = await borrowers(3);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const { sender, nonces } = keeperSender(s, journal, { client: refusingClient(() => nonceBefore + 1) });
    const { pipeline, tracker } = pipelineOver(sender);
    await setAutomine(s, false);

    // Overlapping submits (all three hold a nonce before the middle one's broadcast is refused).
    const ps = await Promise.all(users.map((u) => params(u)));
    const results = await Promise.all(ps.map((p) => pipeline.submit(p)));
    const refused = results.find((r) => r.status === "failed");
    expect(refused).toMatchObject({ status: "failed", pending: false, error: { kind: "insufficient-funds" } });
    const sent = results.filter((r): r is Submitted => r.status === "submitted");
    expect(sent.map((x) => x.nonce).sort()).toEqual([nonceBefore, nonceBefore + 2]);
    expect(nonces.state().free).toEqual([nonceBefore + 1]); // the gap

    const settling = pipeline.settle(sent);
    await mineSeen(tracker, 1n); // mines the first; the tracker finds the gap still open and fills it
    const fillers = journal.history(10).filter((i) => i.actionKind === GAP_FILL_KIND);
    expect(fillers.map((i) => i.nonce)).toEqual([nonceBefore + 1]);
    await mineSeen(tracker, 1n); // the filler and the one above it
    const outcomes = await settling;
    expect([...outcomes.values()].map((o) => o.status)).toEqual(["mined", "mined"]);
    expect(journal.intent(fillers[0].id)!.state).toBe("abandoned"); // a cancel-kind transaction took its nonce
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 3);
    expect(nonces.state()).toMatchObject({ reserved: [], free: [] });
    const liquidated = await Promise.all(users.map((u) => liquidationsOf(s, u)));
    expect(liquidated.sort()).toEqual([0, 1, 1]); // the refused one never went out
  });

  it("a broadcast refused under a later in-flight nonce: the next candidate takes the gap", async () => {
    const users = await borrowers(4);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const { sender } = keeperSender(s, journal, { client: refusingClient(() => nonceBefore + 1) });
    const { pipeline, tracker } = pipelineOver(sender);
    await setAutomine(s, false);

    const ps = await Promise.all(users.slice(0, 3).map((u) => params(u)));
    const results = await Promise.all(ps.map((p) => pipeline.submit(p)));
    const sent = results.filter((r): r is Submitted => r.status === "submitted");
    expect(sent).toHaveLength(2);
    const next = submitted(await pipeline.submit(await params(users[3])));
    expect(next.nonce).toBe(nonceBefore + 1);

    const settling = pipeline.settle([...sent, next]);
    await mineSeen(tracker, 1n);
    const outcomes = await settling;
    expect([...outcomes.values()].map((o) => o.status)).toEqual(["mined", "mined", "mined"]);
    expect(journal.history(10).some((i) => i.actionKind === GAP_FILL_KIND)).toBe(false);
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 3);
    expect(await liquidationsOf(s, users[3])).toBe(1);
  });

  it("settle gives up after maxWaitBlocks with `failed` pending, accounted once; a later settle picks it up", async () => {
    const [a] = await borrowers(1);
    const { sender } = keeperSender(s, journal);
    const { gate, caps } = safetyGate();
    const { pipeline, tracker } = pipelineOver(sender, gate);
    await setAutomine(s, false);
    const x = submitted(await pipeline.submit(await params(a)));
    const first = pipeline.settle([x], { maxWaitBlocks: 1 });
    await mineSeen(tracker, HIGH_BASE_FEE);
    await mineSeen(tracker, HIGH_BASE_FEE);
    expect((await first).get(x.intentId)).toMatchObject({ status: "failed", pending: true });
    expect(caps.usage().sends).toBe(1); // counted at its worst case: it may still be mined
    expect(pipeline.inFlight()).toEqual([expect.objectContaining({ intentId: x.intentId, nonce: x.nonce })]);

    const second = pipeline.settle(pipeline.inFlight());
    await mineSeen(tracker, 1n);
    expect((await second).get(x.intentId)?.status).toBe("mined");
    expect(caps.usage().sends).toBe(1); // not again
    expect(await liquidationsOf(s, a)).toBe(1);
  });
});
