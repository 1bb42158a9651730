import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { formatAudit, summariseMisses } from "../../../src/cli/audit.js";
import { Journal, JOURNAL_SCHEMA_VERSION, type DecisionRecord } from "../../../src/journal/index.js";
import { classifyMiss } from "../../../src/keeper/audit.js";

const ID = "aave-v3:0x00000000000000000000000000000000000000Aa";
let n = 0;
const row = (block: bigint, kind: DecisionRecord["kind"], code = "", message = "m"): DecisionRecord => ({
  id: ++n,
  block,
  subject: "0x00000000000000000000000000000000000000aa",
  opportunityId: ID,
  kind,
  code,
  message,
  at: 0,
});

describe("classifyMiss: what the decision log said before someone else liquidated", () => {
  it("no row: not seen", () => {
    expect(classifyMiss([], 100n)).toEqual({
      cause: "not-seen",
      detail: expect.stringContaining("never had the position under"),
    });
  });

  it("skipped: the last decision's code, blocks from the episode's first row", () => {
    const rows = [
      row(90n, "skipped", "not-profitable", "profit $1 below the floor"),
      row(95n, "skipped", "no-funding"),
    ];
    expect(classifyMiss(rows, 100n)).toMatchObject({
      cause: "skipped",
      code: "no-funding",
      firstSeenBlock: 90n,
      blocksLate: 10n,
    });
  });

  it("sent without an outcome before the block, or beaten in it: too late", () => {
    const rows = [row(97n, "seen"), row(97n, "sent", "liquidateAave")];
    expect(classifyMiss(rows, 99n)).toMatchObject({ cause: "too-late", firstSeenBlock: 97n, blocksLate: 2n });
  });

  it("reverted or failed first: reverted; simulated only: dry-run", () => {
    expect(classifyMiss([row(97n, "sent"), row(98n, "outcome", "reverted")], 99n).cause).toBe("reverted");
    expect(classifyMiss([row(97n, "sent"), row(97n, "outcome", "failed")], 99n).cause).toBe("reverted");
    expect(classifyMiss([row(97n, "sent"), row(97n, "outcome", "dry-run")], 99n)).toMatchObject({
      cause: "dry-run",
      code: "dry-run",
    });
  });

  it("an episode starts after our own mined liquidation and after the previous miss", () => {
    const rows = [row(50n, "skipped", "not-profitable"), row(60n, "outcome", "mined"), row(80n, "skipped", "gas-cap")];
    expect(classifyMiss(rows, 100n)).toMatchObject({ firstSeenBlock: 80n, blocksLate: 20n, code: "gas-cap" });
    expect(classifyMiss(rows, 100n, 85n).cause).toBe("not-seen");
    expect(classifyMiss([row(50n, "skipped", "not-profitable")], 100n, 50n).cause).toBe("not-seen");
  });
});

describe("missed_liquidations table", () => {
  const miss = (block: bigint, logIndex = 0) => ({
    protocol: "aave-v3",
    block,
    txHash: `0x${"Ab".repeat(32)}`,
    logIndex,
    borrower: "0x00000000000000000000000000000000000000Aa",
    liquidator: "0x00000000000000000000000000000000000000Cc",
    debtAsset: "0x00000000000000000000000000000000000000D1",
    collateralAsset: "0x00000000000000000000000000000000000000C1",
    debtRepaid: 10n ** 30n,
    collateralSeized: 7n,
    firstSeenBlock: block - 3n,
    blocksLate: 3n,
    cause: "skipped" as const,
    code: "not-profitable",
    detail: "block 97: skipped [not-profitable] ...",
  });

  it("stores amounts beyond 64 bits, lowercases, ignores a repeat, prunes with the decision log", () => {
    const j = Journal.inMemory();
    expect(j.recordMissed([miss(100n)])).toBe(1);
    expect(j.recordMissed([miss(100n)])).toBe(0);
    expect(j.recordMissed([miss(200n, 1)])).toBe(1);
    const [first] = j.missed();
    expect(first).toMatchObject({ debtRepaid: 10n ** 30n, borrower: "0x00000000000000000000000000000000000000aa" });
    expect(j.missed(150n)).toHaveLength(1);
    expect(j.lastMissedBefore("0x00000000000000000000000000000000000000AA", 200n)).toBe(100n);
    j.recordDecisions(300n, [{ subject: "x", opportunityId: "x", kind: "seen", code: "", message: "m" }]);
    expect(j.pruneMissed(150n)).toBe(1);
    expect(j.missed().map((m) => m.block)).toEqual([200n]);
    const text = formatAudit(summariseMisses(j.missed()));
    expect(text).toContain("1 liquidation(s) won by others; median 3 block(s)");
    expect(text).toMatch(/skipped\s+1/);
    j.close();
  });

  it("migrates a version-2 journal to 3; a read-only open of version 2 reads no misses", () => {
    const dir = mkdtempSync(join(tmpdir(), "missed-"));
    Journal.open(dir).close();
    const db = new DatabaseSync(join(dir, "journal.sqlite"));
    db.exec("DROP TABLE missed_liquidations");
    db.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
    db.close();
    const ro = Journal.openReadOnly(dir);
    expect(ro.missed()).toEqual([]);
    ro.close();
    const j = Journal.open(dir);
    expect(j.recordMissed([miss(5n)])).toBe(1);
    j.close();
    const check = new DatabaseSync(join(dir, "journal.sqlite"), { readOnly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(JOURNAL_SCHEMA_VERSION),
    });
    check.close();
    expect(JOURNAL_SCHEMA_VERSION).toBe(3);
  });
});
