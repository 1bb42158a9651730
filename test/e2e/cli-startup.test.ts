import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keccak256 } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { Journal } from "../../src/journal/journal.js";
import { startLocalRelay } from "../../src/testing/localRelay.js";
import { DEV_MNEMONIC } from "../../src/chain/devAccounts.js";
import { closeServer, listen, readBody, sendText } from "../../src/testing/http.js";
import { DEV_ADDRESS_1, DEV_KEY_1, spawnCli } from "../helpers/node.js";
import { startUpstream, type Upstream } from "../helpers/upstream.js";

/** What a provider's URL looks like: an API key in the path and credentials in the authority. */
const API_KEY = "SECRETAPIKEY0123456789";

/**
 * A JSON-RPC proxy that answers 503 (plain text, as gateways do) to the first `failures` requests calling
 * `method`, and forwards everything else to the node untouched.
 */
async function failingProxy(upstream: string, method: string, failures: number) {
  let failed = 0;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      for (const m of body.matchAll(/"method":"([^"]+)"/g)) seen.push(m[1]);
      if (body.includes(`"${method}"`) && failed < failures) {
        failed++;
        return sendText(res, 503, "Service Unavailable", "text/plain");
      }
      const r = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
      sendText(res, r.status, await r.text());
    })().catch(() => res.destroy());
  });
  const url = await listen(server);
  const withKey = url.replace("http://", `http://user:hunter2pass@`).replace(/\/?$/, `/v2/${API_KEY}`);
  return { url: withKey, failed: () => failed, seen: () => seen, close: () => closeServer(server) };
}

/** Every keeper a test starts: one that outlives its test (a failing assertion) is killed by afterEach. */
const runs: ReturnType<typeof spawnCli>[] = [];
function cli(...params: Parameters<typeof spawnCli>): ReturnType<typeof spawnCli> {
  const run = spawnCli(...params);
  runs.push(run);
  return run;
}
afterEach(() => {
  for (const run of runs.splice(0)) if (run.child.exitCode === null) run.child.kill("SIGKILL");
});

/** Waits until the keeper's output contains `text`, or the process ends. */
async function waitFor(run: ReturnType<typeof spawnCli>, text: string, ms = 60_000): Promise<boolean> {
  let done = false;
  void run.exited.then(() => (done = true));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !done && !run.output().stdout.includes(text))
    await new Promise((r) => setTimeout(r, 100));
  return run.output().stdout.includes(text);
}

/** `keeper run` starting against an RPC that fails: retried, never a crash, never a leaked URL. */
describe("keeper run at start, under RPC failures", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startUpstream();
  }, 120_000);
  afterAll(async () => up?.node.stop());

  const args = (rpc: string, name: string, extra: string[] = []) => [
    "run",
    "--rpc",
    rpc,
    "--deployment-file",
    up.worldFile,
    "--executor-address",
    up.executor,
    "--watch",
    "aave-v3",
    "--poll-interval-ms",
    "100",
    "--data-dir",
    join(up.dir, `data-${name}`),
    "--ops-port",
    "off",
    "--report-file",
    join(up.dir, `report-${name}.json`),
    ...extra,
  ];

  it("retries a 503 on the nonce read at start: the keeper starts, runs and stops with exit 0", async () => {
    const proxy = await failingProxy(up.node.url, "eth_getTransactionCount", 4); // more than viem's own 3 tries
    const run = cli(args(proxy.url, "flaky", ["--confirmations", "0"]), { PRIVATE_KEY: DEV_KEY_1 });
    const started = await waitFor(run, '"msg":"block"');
    run.child.kill("SIGTERM");
    const code = await run.exited;
    await proxy.close();
    const { stdout, stderr } = run.output();
    if (!started) console.log(stdout.slice(-3000), stderr.slice(-3000));
    expect(started).toBe(true);
    expect(code).toBe(0);
    expect(proxy.failed()).toBe(4);
    expect(stdout).toContain("RPC read failed at start; retrying");
    expect(stdout).toContain("CONFIRMATIONS=0: a receipt counts as final once mined");
    expect(stdout + stderr).not.toMatch(new RegExp(`${API_KEY}|hunter2pass`));
    expect(JSON.parse(readFileSync(join(up.dir, "report-flaky.json"), "utf8")).error).toBeUndefined();
  }, 120_000);

  it("a persistent failure ends with exit 2 and a message naming what to fix, redacted, and still writes the report", async () => {
    const proxy = await failingProxy(up.node.url, "eth_getTransactionCount", Infinity);
    const run = cli(args(proxy.url, "down"), { PRIVATE_KEY: DEV_KEY_1, STARTUP_RETRY_S: "2" });
    const code = await run.exited;
    await proxy.close();
    const { stdout, stderr } = run.output();
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /Could not resync the nonce stream: the JSON-RPC endpoint at http:\/\/127\.0\.0\.1:\d+\/\*\*\* kept failing/,
    );
    expect(stderr).toContain("RPC_URL");
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stdout + stderr).not.toMatch(new RegExp(`${API_KEY}|hunter2pass`));
    const reportFile = join(up.dir, "report-down.json");
    expect(existsSync(reportFile)).toBe(true);
    const report = readFileSync(reportFile, "utf8");
    expect(JSON.parse(report)).toMatchObject({
      chainId: up.clients.public.chain.id,
      dryRun: false,
      liquidations: [],
      error: { name: "RpcRetryExhaustedError", message: expect.stringMatching(/^Could not resync the nonce stream/) },
    });
    expect(report).not.toMatch(new RegExp(`${API_KEY}|hunter2pass`));
  }, 120_000);

  it("after a crash with a relay configured, rebroadcasts the journaled transaction to the relay, not the public RPC", async () => {
    // The first life: a transaction signed and journaled, then the crash before it reached the relay.
    const dataDir = join(up.dir, "data-relay");
    const keeperAccount = privateKeyToAccount(DEV_KEY_1);
    const nonce = await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1 });
    const tx = {
      chainId: up.clients.public.chain.id,
      type: "eip1559" as const,
      nonce,
      to: DEV_ADDRESS_1,
      value: 0n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
    };
    const raw = await keeperAccount.signTransaction(tx);
    mkdirSync(dataDir, { recursive: true });
    const journal = Journal.open(dataDir);
    const intent = journal.recordIntent({
      opportunityId: "aave-v3:0x0000000000000000000000000000000000000bad",
      actionKind: "liquidateAaveV2Flash",
      from: DEV_ADDRESS_1,
      to: DEV_ADDRESS_1,
      calldata: "0x",
      blockSeen: await up.clients.public.getBlockNumber(),
      expectedProfitWei: 1n,
    });
    journal.recordSigned(intent.id, {
      kind: "original",
      nonce,
      hash: keccak256(raw),
      raw,
      to: DEV_ADDRESS_1,
      gasLimit: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
    journal.close();

    const relay = await startLocalRelay({ upstreamUrl: up.node.url });
    const proxy = await failingProxy(up.node.url, "none", 0);
    const run = cli(args(proxy.url, "relay", ["--data-dir", dataDir]), {
      PRIVATE_KEY: DEV_KEY_1,
      RELAY_URL: relay.url,
      RELAY_AUTH_KEY: `0x${"42".repeat(32)}`,
    });
    const reconciled = await waitFor(run, '"msg":"journal reconciled');
    run.child.kill("SIGTERM");
    await run.exited;
    await relay.close();
    await proxy.close();
    if (!reconciled) console.log(run.output().stdout.slice(-3000), run.output().stderr.slice(-3000));
    expect(reconciled).toBe(true);
    expect(relay.bundles.length).toBeGreaterThan(0);
    expect(relay.bundles.every((b) => b.txs.length === 1 && b.txs[0] === raw)).toBe(true);
    expect(proxy.seen()).not.toContain("eth_sendRawTransaction");
  }, 120_000);

  it("refuses a signer that is neither the executor's owner nor its keeper, naming both addresses", async () => {
    const stranger = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 7 });
    const key = `0x${Buffer.from(stranger.getHdKey().privateKey!).toString("hex")}`;
    const run = cli(args(up.node.url, "stranger"), { PRIVATE_KEY: key });
    expect(await run.exited).toBe(2);
    const { stderr } = run.output();
    expect(stderr).toContain(`The signer ${stranger.address} is neither the owner nor the keeper of the executor`);
    expect(stderr).toContain(`its keeper is ${DEV_ADDRESS_1}`);
  }, 60_000);
});

describe("keeper run refuses misleading settings at start", () => {
  it("refuses a ws:// RPC URL with exit 2", async () => {
    const run = cli(["run", "--rpc", "ws://127.0.0.1:8546", "--dry-run"]);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain("ws:// and wss:// are not supported");
  });

  it("refuses a private key given as a flag with exit 2, without echoing it", async () => {
    const run = cli(["run", "--rpc", "http://127.0.0.1:1", "--private-key", DEV_KEY_1]);
    expect(await run.exited).toBe(2);
    const { stderr, stdout } = run.output();
    expect(stderr).toContain("--private-key: secrets are not accepted as flags");
    expect(stderr).toContain("set PRIVATE_KEY in the environment or the .env file");
    expect(stderr + stdout).not.toContain(DEV_KEY_1.slice(2));
  });
});
