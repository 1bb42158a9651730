/**
 * `keeper audit` as a user runs it: on a journal holding recorded misses, the text summary (counts by cause, the
 * median gap, the list), `--json`, `--from-block`, and the errors for a bad flag or a missing journal.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Journal, type NewMissedLiquidation } from "../../src/journal/index.js";
import { spawnCli } from "../helpers/node.js";

const miss = (block: bigint, cause: NewMissedLiquidation["cause"], late?: bigint): NewMissedLiquidation => ({
  protocol: block % 2n === 0n ? "aave-v3" : "morpho-blue",
  block,
  txHash: `0x${block.toString(16).padStart(64, "0")}`,
  logIndex: 0,
  borrower: `0x${"a".repeat(38)}${block.toString(16).padStart(2, "0")}`,
  liquidator: `0x${"c".repeat(40)}`,
  sender: `0x${"e".repeat(40)}`,
  debtAsset: `0x${"d".repeat(40)}`,
  collateralAsset: `0x${"b".repeat(40)}`,
  debtRepaid: 123_456_789n,
  collateralSeized: 10n ** 24n,
  ...(late !== undefined ? { firstSeenBlock: block - late, blocksLate: late } : {}),
  cause,
  ...(cause === "skipped" ? { code: "not-profitable" } : {}),
  detail: cause === "not-seen" ? "never seen" : `block ${block - 1n}: ${cause}`,
});

describe("keeper audit", () => {
  let data: string;

  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), "keeper-audit-"));
    const j = Journal.open(data);
    j.recordMissed([
      miss(100n, "skipped", 4n),
      miss(101n, "not-seen"),
      miss(102n, "too-late", 1n),
      miss(110n, "skipped", 9n),
    ]);
    j.close();
  });

  it("prints the counts by cause, the median blocks late and the list", async () => {
    const run = spawnCli(["audit", "--data-dir", data]);
    expect(await run.exited).toBe(0);
    const out = run.output().stdout;
    // Seen misses late by 1, 4 and 9 blocks: the median is 4.
    expect(out).toContain("4 liquidation(s) won by others; median 4 block(s)");
    expect(out).toMatch(/skipped\s+2\n/);
    expect(out).toMatch(/not-seen\s+1\n/);
    expect(out).toMatch(/too-late\s+1\n/);
    expect(out).toContain(`seized ${10n ** 24n} of 0xbbbb`);
  }, 60_000);

  it("--json and --from-block", async () => {
    const run = spawnCli(["audit", "--json", "--from-block", "102", "--data-dir", data]);
    expect(await run.exited).toBe(0);
    const summary = JSON.parse(run.output().stdout);
    expect(summary.total).toBe(2);
    expect(summary.byCause).toMatchObject({ skipped: 1, "too-late": 1, "not-seen": 0 });
    expect(summary.medianBlocksLate).toBe(1);
    expect(summary.misses.map((m: { block: string }) => m.block)).toEqual(["102", "110"]);
    expect(summary.misses[1].collateralSeized).toBe((10n ** 24n).toString());
  }, 60_000);

  it("has its --help, refuses a bad --from-block and a directory without a journal", async () => {
    const help = spawnCli(["audit", "--help"]);
    expect(await help.exited).toBe(0);
    expect(help.output().stdout).toContain("keeper audit [--from-block N] [--json]");
    const bad = spawnCli(["audit", "--from-block", "x", "--data-dir", data]);
    expect(await bad.exited).toBe(2);
    expect(bad.output().stderr).toContain('Invalid --from-block "x"');
    const none = spawnCli(["audit", "--data-dir", mkdtempSync(join(tmpdir(), "keeper-audit-none-"))]);
    expect(await none.exited).toBe(2);
    expect(none.output().stderr).toContain("There is no journal");
  }, 60_000);
});
