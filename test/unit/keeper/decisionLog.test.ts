import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import type { Hash } from "viem";
import { explain } from "../../../src/cli/explain.js";
import type { SendOutcome } from "../../../src/executor/outcome.js";
import { Journal, JOURNAL_SCHEMA_VERSION } from "../../../src/journal/index.js";
import { DecisionLog, subjectOf } from "../../../src/keeper/decisionLog.js";
import type { KeeperEvent } from "../../../src/keeper/keeper.js";
import { skip } from "../../../src/skip.js";
import type { Candidate, Skip } from "../../../src/strategy/index.js";
import type { Snapshot } from "../../../src/watcher/snapshot.js";

const BORROWER = "0x00000000000000000000000000000000000000Aa";
const OTHER = "0x00000000000000000000000000000000000000Bb";
const POOL = "0x00000000000000000000000000000000000000Cc";
const HASH = `0x${"ab".repeat(32)}` as Hash;

const blockEvent = (n: bigint, skipped: Skip[]): KeeperEvent => ({
  type: "block",
  snapshot: { blockNumber: n } as Snapshot,
  underwater: 0,
  skewedPools: 0,
  candidates: 0,
  skipped,
});
const skipOf = (id: string, message: string, context: Record<string, string> = {}): Skip => ({
  id,
  protocol: "aave-v3",
  skip: skip("not-profitable", message),
  context,
});
const candidate = (id: string, healthFactor: string): Candidate =>
  ({
    opportunity: { id, protocol: "aave-v3" },
    action: { kind: "liquidateAave" },
    context: { borrower: BORROWER, healthFactor },
  }) as unknown as Candidate;

describe("decision log (journal decisions table, DecisionLog recorder)", () => {
  const open: Journal[] = [];
  afterEach(() => {
    for (const j of open.splice(0)) j.close();
  });
  const journal = () => {
    const j = Journal.inMemory();
    open.push(j);
    return j;
  };

  it("names the address an opportunity id is about", () => {
    expect(subjectOf(`aave-v3:${BORROWER}`)).toBe(BORROWER.toLowerCase());
    expect(subjectOf(`morpho-blue:0x12345678:${OTHER}`)).toBe(OTHER.toLowerCase());
    expect(subjectOf("aave-v3-batch:12345678-9abcdef0")).toBe("aave-v3-batch:12345678-9abcdef0");
  });

  it("writes a block's changes only: a quiet block writes nothing", () => {
    const j = journal();
    const log = new DecisionLog({ journal: j });
    const skips = [
      skipOf(`aave-v3:${BORROWER}`, "profit $1.20 below the floor $5.00", { healthFactor: "0.9900" }),
      skipOf(`uniswap-v2:${POOL}`, "gap 12 bps, profit $0.40 below the floor $5.00"),
    ];
    for (let b = 100n; b < 110n; b++) log.onEvent(blockEvent(b, skips));
    // The numbers of one skip move: only that subject gets a row.
    log.onEvent(
      blockEvent(110n, [{ ...skips[0], skip: skip("not-profitable", "profit $2.10 below the floor $5.00") }, skips[1]]),
    );
    log.onEvent(blockEvent(111n, []));
    log.flush();
    expect(log.stats.perBlock).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(log.stats.offered).toBe(22);
    expect(j.decisionsFor(BORROWER, { limit: 100 }).map((d) => [d.block, d.kind, d.code])).toEqual([
      [100n, "skipped", "not-profitable"],
      [110n, "skipped", "not-profitable"],
    ]);
    // An address is matched whatever its case; an opportunity id matches too.
    expect(j.decisionsFor(POOL.toUpperCase().replace("0X", "0x"), { limit: 100 })).toHaveLength(1);
    expect(j.decisionsFor(`uniswap-v2:${POOL}`, { limit: 100 })).toHaveLength(1);
    expect(j.decisionsFor(BORROWER, { fromBlock: 105n, toBlock: 110n, limit: 100 })).toHaveLength(1);
  });

  it("records seen, sent and the outcome under the block it was mined in, and explain prints them", () => {
    const j = journal();
    const log = new DecisionLog({ journal: j });
    const id = `aave-v3:${BORROWER}`;
    log.onEvent(blockEvent(200n, [skipOf(id, "health factor 1.0100: not liquidatable")]));
    log.onEvent(blockEvent(201n, []));
    const c = candidate(id, "0.9812");
    log.onEvent({ type: "send", block: 201n, candidate: c });
    const mined: SendOutcome = {
      status: "mined",
      hash: HASH,
      blockNumber: 202n,
      gasUsed: 400_000n,
      effectiveGasPrice: 1n,
      profit: 5n,
      events: [],
    };
    log.onEvent(blockEvent(202n, []));
    log.onEvent({ type: "outcome", block: 201n, candidate: c, outcome: mined });
    log.onEvent(blockEvent(203n, []));
    log.flush();
    const rows = j.decisionsFor(BORROWER, { limit: 100 });
    expect(rows.map((d) => [d.block, d.kind])).toEqual([
      [200n, "skipped"],
      [201n, "seen"],
      [201n, "sent"],
      [202n, "outcome"],
    ]);
    expect(rows[1].message).toContain("healthFactor 0.9812");
    expect(rows[3]).toMatchObject({ code: "mined", txHash: HASH });
    const text = explain(j, BORROWER);
    expect(text).toMatch(/block 201\n {2}seen aave-v3:\S+: healthFactor 0\.9812/);
    expect(text).toMatch(/block 202\n {2}outcome \[mined\] .*mined in block 202, tx 0xabab/);
    expect(explain(j, BORROWER, { block: 202n })).not.toContain("block 201");
    expect(explain(j, HASH)).toContain("outcome [mined]");
    expect(explain(j, OTHER)).toBe(`nothing recorded about ${OTHER} (the keeper records decisions since block 200)`);
    expect(explain(journal(), OTHER)).toMatch(/nothing recorded about .* decision log is empty/);
  });

  it("prunes what is older than the retention, every N blocks", () => {
    const j = journal();
    const log = new DecisionLog({ journal: j, retentionBlocks: 10n, pruneEveryBlocks: 5 });
    for (let b = 1n; b <= 40n; b++)
      log.onEvent(blockEvent(b, [skipOf(`aave-v3:${BORROWER}`, `profit $${b} below the floor`)]));
    log.flush();
    log.prune();
    expect(log.stats.written).toBe(40);
    const range = j.decisionRange()!;
    expect(range.last).toBe(40n);
    expect(range.first).toBe(31n);
    expect(log.stats.pruned).toBe(30);
  });

  it("migrates a version-1 journal, and reads one read-only", () => {
    const dir = mkdtempSync(join(tmpdir(), "decisions-"));
    Journal.open(dir).close();
    const db = new DatabaseSync(join(dir, "journal.sqlite"));
    db.exec("DROP TABLE decisions");
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    db.close();
    const ro = Journal.openReadOnly(dir);
    expect(ro.decisionsFor(BORROWER, { limit: 10 })).toEqual([]);
    ro.close();
    const j = Journal.open(dir);
    expect(j.recordDecisions(5n, [{ subject: "x", opportunityId: "x", kind: "seen", code: "", message: "m" }])).toBe(1);
    j.close();
    const check = new DatabaseSync(join(dir, "journal.sqlite"), { readOnly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(JOURNAL_SCHEMA_VERSION),
    });
    check.close();
    const again = Journal.openReadOnly(dir);
    expect(() =>
      again.recordDecisions(6n, [{ subject: "x", opportunityId: "x", kind: "seen", code: "", message: "n" }]),
    ).toThrow();
    again.close();
    expect(() => Journal.openReadOnly(join(dir, "missing"))).toThrow(/no journal/);
  });
});
