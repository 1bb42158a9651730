import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, HttpRequestError, TimeoutError, type PublicClient } from "viem";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import {
  FAULT_KINDS,
  startFaultProxy,
  type FaultCounters,
  type FaultKind,
  type FaultProxy,
} from "../../src/testing/faultProxy.js";
import { rpcCall } from "../../src/testing/http.js";
import { createPrng } from "../../src/testing/prng.js";
import { freePort } from "../helpers/node.js";

/** The fault-injecting proxy between viem and a real `hardhat node`. */
describe("fault proxy", () => {
  let node: HardhatNode;
  let direct: PublicClient;
  const proxies: FaultProxy[] = [];
  const STALE = 3;

  beforeAll(async () => {
    node = await startHardhatNode({
      port: await freePort(),
      logFile: join(mkdtempSync(join(tmpdir(), "faults-")), "node.log"),
    });
    await rpcCall(node.url, "hardhat_mine", ["0x10"]); // enough history for a stale answer to differ
    direct = createPublicClient({ transport: http(node.url, { retryCount: 0 }) });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await node?.stop();
  });

  async function proxy(options: { seed?: number; faultRate: number; kinds?: FaultKind[] }): Promise<FaultProxy> {
    const p = await startFaultProxy({
      upstreamUrl: node.url,
      seed: options.seed ?? 1,
      faultRate: options.faultRate,
      timeoutHoldMs: 1_500,
      staleBlocks: STALE,
      ...(options.kinds ? { kinds: options.kinds } : {}),
    });
    proxies.push(p);
    return p;
  }
  /** viem as the keeper uses it, minus retries: each fault must surface as it is. */
  const client = (url: string, batch = false) =>
    createPublicClient({ transport: http(url, { retryCount: 0, timeout: 400, batch }), cacheTime: 0 });
  const sum = (c: FaultCounters) => c.passed + Object.values(c.faults).reduce((a, b) => a + b, 0);

  it("with rate 0 it is transparent: same block number, block and batch answers as the node", async () => {
    const p = await proxy({ faultRate: 0 });
    const via = client(p.url);
    expect(await via.getBlockNumber()).toBe(await direct.getBlockNumber());
    expect((await via.getBlock()).hash).toBe((await direct.getBlock()).hash);
    const batched = client(p.url, true);
    const [n, id, bal] = await Promise.all([
      batched.getBlockNumber(),
      batched.getChainId(),
      batched.getBalance({ address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }),
    ]);
    expect([n, id, bal]).toEqual([
      await direct.getBlockNumber(),
      31337,
      await direct.getBalance({ address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }),
    ]);
    const c = p.counters();
    expect(c.requests).toBe(3); // the three batched calls were one HTTP request
    expect(c.passed).toBe(3);
    expect(p.log()[2].methods).toEqual(["eth_blockNumber", "eth_chainId", "eth_getBalance"]);
  });

  /** What viem throws for each fault, with the proxy at rate 1 and that kind only. */
  const expectations: Record<Exclude<FaultKind, "stale">, (err: unknown, p: FaultProxy) => void> = {
    timeout: (err) => expect(err).toBeInstanceOf(TimeoutError),
    drop: (err) => {
      expect(err).toBeInstanceOf(HttpRequestError);
      expect((err as HttpRequestError).status).toBeUndefined();
    },
    http429: (err) => {
      expect(err).toBeInstanceOf(HttpRequestError);
      expect((err as HttpRequestError).status).toBe(429);
    },
    http5xx: (err, p) => {
      expect(err).toBeInstanceOf(HttpRequestError);
      expect([500, 502, 503]).toContain((err as HttpRequestError).status);
      expect((err as HttpRequestError).status).toBe(p.log().at(-1)?.status);
    },
    malformed: (err) => {
      expect(err).toBeInstanceOf(HttpRequestError);
      expect((err as HttpRequestError).cause).toBeInstanceOf(SyntaxError);
    },
  };
  for (const [kind, check] of Object.entries(expectations) as [
    Exclude<FaultKind, "stale">,
    (err: unknown, p: FaultProxy) => void,
  ][]) {
    it(`rate 1, ${kind} only: viem surfaces the expected error, and the counter says ${kind}`, async () => {
      const p = await proxy({ faultRate: 1, kinds: [kind] });
      const err = await client(p.url)
        .getBlockNumber()
        .catch((e: unknown) => e);
      check(err, p);
      expect(p.counters()).toEqual({ requests: 1, passed: 0, faults: { ...zeroFaults(), [kind]: 1 } });
      // A batch gets the same fault: one decision per HTTP request.
      const batched = client(p.url, true);
      const results = await Promise.allSettled([batched.getBlockNumber(), batched.getChainId()]);
      for (const r of results) {
        expect(r.status).toBe("rejected");
        check((r as PromiseRejectedResult).reason, p);
      }
      expect(p.counters().faults[kind]).toBe(2);
    });
  }

  it("rate 1, stale only: block number and latest block are older, calls without a block pass", async () => {
    const p = await proxy({ faultRate: 1, kinds: ["stale"] });
    const via = client(p.url);
    const now = await direct.getBlockNumber();
    expect(await via.getBlockNumber()).toBe(now - BigInt(STALE));
    const block = await via.getBlock();
    expect(block.number).toBe(now - BigInt(STALE));
    expect(block.hash).toBe((await direct.getBlock({ blockNumber: now - BigInt(STALE) })).hash);
    expect(await via.getChainId()).toBe(31337); // nothing to age: passed
    const batched = client(p.url, true);
    const [n, id] = await Promise.all([batched.getBlockNumber(), batched.getChainId()]);
    expect([n, id]).toEqual([now - BigInt(STALE), 31337]);
    expect(p.counters()).toEqual({ requests: 4, passed: 1, faults: { ...zeroFaults(), stale: 3 } });
  });

  it("the same seed replays the same faults; another seed does not", async () => {
    const kinds = FAULT_KINDS.filter((k) => k !== "timeout"); // same schedule, without waiting on held requests
    const run = async (seed: number) => {
      const p = await proxy({ seed, faultRate: 0.5, kinds });
      const via = client(p.url);
      for (let i = 0; i < 40; i++) await via.getBlockNumber().catch(() => undefined);
      return p.log().map((r) => (r.status ? `${r.outcome}:${r.status}` : r.outcome));
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThanOrEqual(4); // a mix, not one kind
  });

  it("counters add up at rate 0.25, and setFaultRate(0) clears the faults", async () => {
    const p = await proxy({ seed: 2024, faultRate: 0.25, kinds: FAULT_KINDS.filter((k) => k !== "timeout") });
    const via = client(p.url);
    let failed = 0;
    for (let i = 0; i < 200; i++) await via.getBlockNumber().catch(() => failed++);
    const c = p.counters();
    expect(c.requests).toBe(200);
    expect(sum(c)).toBe(200);
    const faults = c.requests - c.passed;
    expect(faults).toBeGreaterThan(25);
    expect(faults).toBeLessThan(75);
    // A stale answer is no error: every other fault is one.
    expect(failed).toBe(faults - c.faults.stale);

    p.setFaultRate(0);
    const now = await direct.getBlockNumber();
    for (let i = 0; i < 20; i++) expect(await via.getBlockNumber()).toBe(now);
    expect(p.counters().passed).toBe(c.passed + 20);
    expect(() => p.setFaultRate(2)).toThrow(RangeError);
  });

  it("the PRNG is deterministic and uniform enough", () => {
    const a = createPrng(9);
    const b = createPrng(9);
    const xs = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});

function zeroFaults(): Record<FaultKind, number> {
  return { timeout: 0, drop: 0, http429: 0, http5xx: 0, malformed: 0, stale: 0 };
}
