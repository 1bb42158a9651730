import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { keccak256, type Hex } from "viem";
import { Journal, JournalConflictError, JournalSchemaError, type NewAttempt } from "../../src/journal/index.js";

const FROM = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const EXECUTOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const repo = join(import.meta.dirname, "..", "..");

function attempt(nonce: number, raw: Hex, kind: NewAttempt["kind"] = "original", maxFee = 10n): NewAttempt {
  return {
    kind,
    nonce,
    hash: keccak256(raw),
    raw,
    to: EXECUTOR,
    gasLimit: 500_000n,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: maxFee / 10n,
  };
}
const intent = (opportunityId: string) => ({
  opportunityId,
  actionKind: "liquidateAaveV2Flash",
  from: FROM,
  to: EXECUTOR,
  calldata: "0xdeadbeef" as Hex,
  blockSeen: 100n,
  expectedProfitWei: 10n ** 17n,
});

describe("Journal (SQLite, node:sqlite)", () => {
  const open: Journal[] = [];
  const fresh = (now?: () => number) => {
    const dir = mkdtempSync(join(tmpdir(), "journal-"));
    const j = Journal.open(dir, now ? { now } : {});
    open.push(j);
    return { dir, j };
  };
  afterEach(() => {
    for (const j of open.splice(0)) j.close();
  });

  it("creates <dataDir>/journal.sqlite in WAL mode with synchronous=FULL", () => {
    const { dir, j } = fresh();
    expect(j.path).toBe(join(dir, "journal.sqlite"));
    expect(existsSync(j.path)).toBe(true);
    expect(j.pragmas()).toEqual({ journalMode: "wal", synchronous: 2 });
  });

  it("records every step of an intent's life, replacement included, in order", () => {
    let t = 1_000;
    const { j } = fresh(() => t++);
    const i = j.recordIntent(intent("aave-v3:0xabc"));
    expect(i.state).toBe("new");
    j.recordSimulation(i.id, { profit: 5n, profitToken: EXECUTOR, gas: 400_000n, gasLimit: 480_000n });
    const a1 = j.recordSigned(i.id, attempt(7, "0x01"));
    expect(j.intent(i.id)).toMatchObject({ state: "signed", nonce: 7 });
    j.recordBroadcast(a1.id, 101n);
    expect(j.intent(i.id)!.state).toBe("sent");
    const a2 = j.recordSigned(i.id, attempt(7, "0x02", "replacement", 12n));
    j.recordBroadcast(a2.id, 104n);
    const done = j.recordReceipt(i.id, {
      hash: a2.hash,
      status: "success",
      blockNumber: 105n,
      blockHash: keccak256("0xb105"),
      gasUsed: 300_000n,
      effectiveGasPrice: 11n,
    });
    expect(done).toMatchObject({
      state: "mined",
      nonce: 7,
      receipt: { hash: a2.hash, blockNumber: 105n, gasUsed: 300_000n, gasCostWei: 3_300_000n },
    });
    expect(done.simulation).toEqual({ profit: 5n, profitToken: EXECUTOR, gas: 400_000n, gasLimit: 480_000n });
    expect(j.attempts(i.id).map((a) => [a.kind, a.state, a.broadcastBlock])).toEqual([
      ["original", "replaced", 101n],
      ["replacement", "mined", 104n],
    ]);
    expect(j.events(i.id).map((e) => e.type)).toEqual([
      "intent",
      "simulation",
      "send",
      "broadcast",
      "replacement",
      "broadcast",
      "receipt",
      "final",
    ]);
    expect(j.activeIntentFor("aave-v3:0xabc")).toBeUndefined();
    expect(j.pendingIntents()).toEqual([]);
  });

  it("survives close and reopen: pending intents, their nonces and raw signed bytes are all there", () => {
    const { dir, j } = fresh();
    const i = j.recordIntent(intent("aave-v3:0x1"));
    const raw = `0x02f8${"ab".repeat(120)}` as Hex;
    j.recordSigned(i.id, attempt(3, raw));
    j.close();

    const again = Journal.open(dir);
    open.push(again);
    const [pending] = again.pendingIntents();
    expect(pending).toMatchObject({ id: i.id, opportunityId: "aave-v3:0x1", state: "signed", nonce: 3 });
    expect(pending.attempts).toHaveLength(1);
    expect(pending.attempts[0]).toMatchObject({ raw, hash: keccak256(raw), state: "signed", nonce: 3 });
    expect(again.activeIntentFor("aave-v3:0x1")?.id).toBe(i.id);
    expect(again.inFlightNonces(FROM)).toEqual([3]);
    expect(again.inFlightNonces(FROM.toLowerCase() as Hex)).toEqual([3]);
  });

  it("loses nothing it acknowledged when its process is SIGKILLed right after a write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-kill-"));
    const script = join(dir, "writer.ts");
    writeFileSync(
      script,
      `import { Journal } from ${JSON.stringify(join(repo, "src", "journal", "index.ts"))};
       const j = Journal.open(${JSON.stringify(dir)});
       const i = j.recordIntent({ opportunityId: "killed", actionKind: "k", from: "${FROM}", to: "${EXECUTOR}", calldata: "0x", blockSeen: 1n, expectedProfitWei: 1n });
       j.recordSigned(i.id, { kind: "original", nonce: 9, hash: "0x${"11".repeat(32)}", raw: "0x1234", to: "${EXECUTOR}", gasLimit: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
       console.log("WRITTEN");
       setInterval(() => {}, 1000);`,
    );
    // tsx's loader in the child itself, not the tsx CLI: the CLI runs the script in a grandchild that a SIGKILL of
    // the CLI would leave running.
    const tsx = join(repo, "node_modules", "tsx", "dist");
    const child = spawn(
      process.execPath,
      ["--require", join(tsx, "preflight.cjs"), "--import", pathToFileURL(join(tsx, "loader.mjs")).href, script],
      {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => String(d).includes("WRITTEN") && resolve());
      child.once("exit", (code) => reject(new Error(`writer exited with ${code}`)));
    });
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const j = Journal.open(dir);
    open.push(j);
    expect(j.pendingIntents().map((p) => [p.opportunityId, p.nonce, p.attempts[0].raw])).toEqual([
      ["killed", 9, "0x1234"],
    ]);
  });

  it("refuses to let two unresolved intents hold one nonce; a refused send frees it", () => {
    const { j } = fresh();
    const a = j.recordIntent(intent("a"));
    const b = j.recordIntent(intent("b"));
    const sent = j.recordSigned(a.id, attempt(5, "0x05"));
    expect(() => j.recordSigned(b.id, attempt(5, "0x06"))).toThrow(JournalConflictError);
    expect(() => j.recordSigned(a.id, attempt(6, "0x07", "replacement"))).toThrow(/uses nonce 5/);
    j.recordBroadcastFailed(sent.id, "insufficient-funds");
    expect(j.inFlightNonces(FROM)).toEqual([]);
    j.recordSigned(b.id, attempt(5, "0x06"));
    expect(j.inFlightNonces(FROM)).toEqual([5]);
  });

  it("answers the metrics queries: counts, history, gas spent and sends since a time", () => {
    let t = 0;
    const { j } = fresh(() => t);
    const mined = (n: number, at: number, gasUsed: bigint, price: bigint) => {
      t = at;
      const i = j.recordIntent(intent(`o${n}`));
      const a = j.recordSigned(i.id, attempt(n, `0x0${n}` as Hex));
      j.recordBroadcast(a.id, 1n);
      j.recordReceipt(i.id, {
        hash: a.hash,
        status: "success",
        blockNumber: BigInt(n),
        blockHash: keccak256(`0x0${n}` as Hex),
        gasUsed,
        effectiveGasPrice: price,
      });
      return i;
    };
    mined(1, 100, 100_000n, 2n);
    const reorged = mined(2, 200, 200_000n, 3n);
    mined(3, 300, 300_000n, 10n ** 12n); // 3e17 wei: past 2^53, still exact
    t = 400;
    const open4 = j.recordIntent(intent("o4"));
    j.recordBroadcast(j.recordSigned(open4.id, attempt(4, "0x04")).id, 4n);
    j.markReorged(reorged.id, "test");

    expect(j.counts().intents).toMatchObject({ mined: 2, reorged: 1, sent: 1, abandoned: 0 });
    expect(j.counts().attempts).toEqual({ original: 4, replacement: 0, cancel: 0 });
    expect(j.history(2).map((i) => i.opportunityId)).toEqual(["o4", "o3"]);
    expect(j.gasSpentSince(0)).toBe(200_000n + 300_000n * 10n ** 12n); // the reorged receipt paid nothing
    expect(j.gasSpentSince(250)).toBe(300_000n * 10n ** 12n);
    expect(j.sendsSince(200)).toBe(3);
    expect(j.sendsSince(401)).toBe(0);
    expect(j.recentReceipts(2n).map((i) => i.opportunityId)).toEqual(["o3"]); // reorged ones are not re-checked
    expect(j.activeIntentFor("o4")?.id).toBe(open4.id);
    expect(j.intentsFor("o2")[0]).toMatchObject({ state: "reorged", reason: "test" });
  });

  it("reopens an intent whose transaction a reorg put back in the mempool: unresolved again, receipt cleared", () => {
    const { j } = fresh();
    const i = j.recordIntent(intent("r"));
    const a = j.recordSigned(i.id, attempt(1, "0x01"));
    j.recordBroadcast(a.id, 1n);
    j.recordReceipt(i.id, {
      hash: a.hash,
      status: "success",
      blockNumber: 2n,
      blockHash: keccak256("0x02"),
      gasUsed: 1n,
      effectiveGasPrice: 1n,
    });
    const back = j.reopen(i.id, "back in the mempool");
    expect(back).toMatchObject({ state: "sent", receipt: undefined, finalizedAt: undefined });
    expect(j.attempts(i.id)[0].state).toBe("broadcast");
    expect(j.activeIntentFor("r")?.id).toBe(i.id);
  });

  it("refuses a journal written with another schema version", () => {
    const { dir, j } = fresh();
    j.close();
    const db = new DatabaseSync(join(dir, "journal.sqlite"));
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => Journal.open(dir)).toThrow(JournalSchemaError);
  });
});
