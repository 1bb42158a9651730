import { describe, expect, it } from "vitest";
import { HttpRequestError, TimeoutError, ContractFunctionRevertedError, parseAbi } from "viem";
import { RpcUnreachableError } from "../../src/chain/clients.js";
import { isTransientRpcError, retryTransient, RpcRetryExhaustedError } from "../../src/chain/retry.js";

const URL_WITH_KEY = "https://user:pa55word@eth.example.com/v2/APIKEY0123456789";
const http = (status?: number, cause?: Error) =>
  new HttpRequestError({ url: URL_WITH_KEY, status, body: { method: "eth_chainId" }, cause });

/** A clock and sleep that only move when the retry waits, so the budget is exact and the test instant. */
function fakeTime() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

describe("isTransientRpcError", () => {
  it.each([
    ["HTTP 503", http(503)],
    ["HTTP 500", http(500)],
    ["HTTP 429", http(429)],
    ["HTTP 408", http(408)],
    ["a dropped connection (no status)", http(undefined, new Error("fetch failed"))],
    ["a truncated JSON body", http(200, new SyntaxError("Unexpected end of JSON input"))],
    ["a timeout", new TimeoutError({ body: {}, url: URL_WITH_KEY })],
    ["an unreachable endpoint at start", new RpcUnreachableError(URL_WITH_KEY, http(undefined))],
    ["ECONNRESET by message", new Error("read ECONNRESET")],
  ])("%s is transient", (_, err) => expect(isTransientRpcError(err)).toBe(true));

  it.each([
    ["HTTP 400", http(400)],
    ["HTTP 401", http(401)],
    ["a revert", new ContractFunctionRevertedError({ abi: parseAbi(["function f()"]), functionName: "f" })],
    ["a plain bug", new TypeError("x is not a function")],
  ])("%s is not", (_, err) => expect(isTransientRpcError(err)).toBe(false));
});

describe("retryTransient", () => {
  it("retries transient failures with growing, jittered waits until the read succeeds", async () => {
    const time = fakeTime();
    let calls = 0;
    const retries: number[] = [];
    const value = await retryTransient(
      "read the chain id",
      async () => {
        if (++calls <= 4) throw http(503);
        return 31337;
      },
      {
        totalMs: 60_000,
        baseDelayMs: 100,
        maxDelayMs: 1_000,
        random: () => 0.5,
        ...time,
        onRetry: (i) => retries.push(i.attempt),
      },
    );
    expect(value).toBe(31337);
    expect(calls).toBe(5);
    expect(retries).toEqual([1, 2, 3, 4]);
    // Ceilings 100, 200, 400, 800; each wait drawn in [ceiling/2, ceiling] (random 0.5 -> 3/4 of the ceiling).
    expect(time.waits).toEqual([75, 150, 300, 600]);
  });

  it("never waits past the cap, and jitter spreads the waits", async () => {
    const waitsWith = async (r: number) => {
      const time = fakeTime();
      let calls = 0;
      await retryTransient(
        "x",
        async () => {
          if (++calls <= 8) throw http(502);
          return 1;
        },
        { totalMs: 600_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => r, ...time },
      );
      return time.waits;
    };
    const low = await waitsWith(0);
    const high = await waitsWith(0.999);
    expect(Math.max(...high)).toBeLessThanOrEqual(1_000);
    for (let i = 0; i < low.length; i++) expect(low[i]).toBeLessThan(high[i]);
  });

  it("throws a non-transient error at once", async () => {
    let calls = 0;
    const err = await retryTransient(
      "x",
      async () => {
        calls++;
        throw http(401);
      },
      { totalMs: 60_000, ...fakeTime() },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(err).toBeInstanceOf(HttpRequestError);
  });

  it("gives up after the total budget with a typed error naming what failed, the URL redacted", async () => {
    const time = fakeTime();
    let calls = 0;
    const err = await retryTransient(
      "read the nonce of 0xabc",
      async () => {
        calls++;
        throw http(503);
      },
      { totalMs: 10_000, baseDelayMs: 250, maxDelayMs: 2_000, rpcUrl: URL_WITH_KEY, ...time },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcRetryExhaustedError);
    const e = err as RpcRetryExhaustedError;
    expect(time.now()).toBe(10_000); // the bound, exactly: the last wait is cut to fit
    expect(e.attempts).toBe(calls);
    expect(e.message).toMatch(
      /^Could not read the nonce of 0xabc: the JSON-RPC endpoint at https:\/\/eth\.example\.com\/\*\*\* kept failing for 10 s/,
    );
    expect(e.message).toContain("RPC_URL");
    expect(e.message).not.toMatch(/APIKEY|pa55word/);
  });
});
