import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, zeroAddress, type Address } from "viem";
import { createHttpClients, resolveChain, type HttpClients } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import type { ExecutorAction } from "../../src/executor/actions.js";
import { Journal } from "../../src/journal/journal.js";
import { createAaveBorrower, deployWorld, setPrice, syncPoolsToFeeds, type World } from "../../src/world/index.js";
import { aavePoolAbi, erc20Abi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, freePort } from "../helpers/node.js";

const repo = join(import.meta.dirname, "..", "..");
const USD = 10n ** 8n;

/** Every fixture keeper started: each is the leader of its own process group (spawned detached). */
const keepers: { pid: number; exited: Promise<unknown> }[] = [];

/** True while a process with this pid exists (signal 0 only checks); false once it is gone (ESRCH). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/**
 * SIGKILLs the process group of every keeper still running (a test that failed half-way leaves one paused before
 * its broadcast, alive forever) and waits for each to be gone.
 */
async function reapKeepers(): Promise<void> {
  for (const k of keepers) {
    try {
      process.kill(-k.pid, "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
  await Promise.all(keepers.map((k) => k.exited));
}

/** The fixture keeper as a child process, with its stdout marker lines. */
function startKeeper(config: Record<string, unknown>, fixture: "sendOnce" | "sendMany" = "sendOnce") {
  const json = JSON.stringify(config, (_, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v));
  // tsx's loader in this very process (not the tsx CLI, which runs the script in a child a SIGKILL would orphan).
  const tsx = join(repo, "node_modules", "tsx", "dist");
  const args = [
    "--require",
    join(tsx, "preflight.cjs"),
    "--import",
    pathToFileURL(join(tsx, "loader.mjs")).href,
    join(import.meta.dirname, "fixtures", `${fixture}.ts`),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      [fixture === "sendOnce" ? "SEND_ONCE_CONFIG" : "SEND_MANY_CONFIG"]: json,
    },
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group: reapKeepers kills the group, whatever the process may have started.
    detached: true,
  }) as ChildProcessWithoutNullStreams;
  const lines: string[] = [];
  let stderr = "";
  let buffer = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout.on("data", (d) => {
    buffer += String(d);
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.splice(0)) w.re.test(line) ? w.resolve(line) : waiters.push(w);
    }
  });
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  keepers.push({ pid: child.pid!, exited });
  /** Resolves with the first line matching `re` (seen already or to come); fails if the process exits first. */
  const waitFor = (re: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => reject(new Error(`no ${re} within ${timeoutMs} ms; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`)),
        timeoutMs,
      );
      waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`keeper exited (${code}) before ${re}; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`));
      });
    });
  const kill9 = async () => {
    process.kill(-child.pid!, "SIGKILL");
    expect(await exited).toBeNull(); // killed by the signal, not exited
  };
  return { child, lines, exited, waitFor, kill9, stderr: () => stderr };
}

/**
 * SIGKILL in the middle of a send, then a restart on the same journal: the keeper account's nonce advances by
 * exactly one and the borrower is liquidated exactly once, asserted on the chain of a real `hardhat node`. Then the
 * same with three transactions in flight (SendPipeline.submit x3, then settle): killed after the 2nd broadcast, and
 * after journaling the 3rd but before broadcasting it.
 */
describe("SIGKILL right after a send, then restart", () => {
  let node: HardhatNode;
  let clients: HttpClients;
  let world: World;
  let executor: Address;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sigkill-"));
    node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
    const chain = await resolveChain(node.url);
    const [deployer] = (await createPublicClient({ chain, transport: http(node.url) }).request({
      method: "eth_accounts",
    } as never)) as Address[];
    clients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
    world = await deployWorld(clients, { aaveBorrowers: 0, morphoBorrowers: 0 });
    executor = await deployExecutor(clients, { keeper: DEV_ADDRESS_1, protocols: executorProtocols(world) });
  }, 180_000);
  afterEach(reapKeepers);
  afterAll(async () => {
    await reapKeepers();
    await node?.stop();
  });

  const rpc = (method: string, params: unknown[] = []) => clients.public.request({ method, params } as never);
  const keeperNonce = (blockTag: "latest" | "pending" = "latest") =>
    clients.public.getTransactionCount({ address: DEV_ADDRESS_1, blockTag });
  async function liquidations(user: Address): Promise<number> {
    const event = aavePoolAbi.find((x) => x.type === "event" && x.name === "LiquidationCall")!;
    return (
      await clients.public.getLogs({
        address: world.aave.pool,
        event: event as never,
        args: { user } as never,
        fromBlock: 0n,
        toBlock: "latest",
      })
    ).length;
  }
  async function underwater(): Promise<{ user: Address; action: ExecutorAction }> {
    await setPrice(clients, world, "WETH", 3_000n * USD); // opened at $3,000, sunk by the fall to $2,790
    await syncPoolsToFeeds(clients, world);
    const user = await createAaveBorrower(clients, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 60_000n * USD,
      healthFactorBps: 10_500n,
    });
    await setPrice(clients, world, "WETH", 2_790n * USD);
    await syncPoolsToFeeds(clients, world);
    const reserve = await clients.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [world.tokens.USDC.address],
    });
    const debt = await clients.public.readContract({
      address: reserve.variableDebtTokenAddress,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [user],
    });
    const hf = (
      await clients.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
      })
    )[5];
    expect(hf).toBeLessThan(10n ** 18n);
    const action: ExecutorAction = {
      kind: "liquidateAaveV2Flash",
      params: {
        aavePool: world.aave.pool,
        flashPair: world.uniswapV2.pairs.WETH_USDC.address,
        collateralAsset: world.tokens.WETH.address,
        debtAsset: world.tokens.USDC.address,
        user,
        debtToCover: debt,
        swapPair: zeroAddress,
        minProfit: 1n,
      },
    };
    return { user, action };
  }
  const config = (dataDir: string, user: Address, action: ExecutorAction, pauseBeforeBroadcast: boolean) => ({
    rpcUrl: node.url,
    key: DEV_KEY_1,
    executor,
    weth: world.tokens.WETH.address,
    dataDir,
    opportunityId: `aave-v3:${user}`,
    action,
    pauseBeforeBroadcast,
  });

  it("killed after journaling, before broadcasting: the restart rebroadcasts the journaled bytes, mined once", async () => {
    const { user, action } = await underwater();
    const dataDir = join(dir, "journal-a");
    const nonceBefore = await keeperNonce();

    const first = startKeeper(config(dataDir, user, action, true));
    const journaled = (await first.waitFor(/^JOURNALED 0x/)).split(" ")[1];
    await first.kill9();
    expect(await keeperNonce("pending")).toBe(nonceBefore); // never reached the node
    await expect(clients.public.getTransaction({ hash: journaled as `0x${string}` })).rejects.toThrow();

    const second = startKeeper(config(dataDir, user, action, false));
    expect(await second.exited).toBe(0);
    const reconciled = JSON.parse((await second.waitFor(/^RECONCILED /)).slice("RECONCILED ".length));
    expect(reconciled.mined).toHaveLength(1); // rebroadcast, and the automining node included it at once
    expect(await second.waitFor(/^SUBMIT /)).toBe("SUBMIT skipped simulation-reverted"); // resolved opportunity re-simulated: healthy now
    expect(second.lines.some((l) => l.startsWith("SENT"))).toBe(false);

    expect(await keeperNonce()).toBe(nonceBefore + 1);
    expect(await liquidations(user)).toBe(1);
    const mined = await clients.public.getTransaction({ hash: journaled as `0x${string}` });
    expect(mined.nonce).toBe(nonceBefore);
    const journal = Journal.open(dataDir);
    expect(journal.intentsFor(`aave-v3:${user}`).map((i) => i.state)).toEqual(["abandoned", "mined"]);
    expect(journal.counts().attempts).toEqual({ original: 1, replacement: 0, cancel: 0 });
    journal.close();
  });

  it("killed right after broadcasting (still in the mempool): the restart sends nothing new, and the one transaction is mined", async () => {
    const { user, action } = await underwater();
    const dataDir = join(dir, "journal-b");
    const nonceBefore = await keeperNonce();
    await rpc("evm_setAutomine", [false]);
    try {
      const first = startKeeper(config(dataDir, user, action, false));
      const sent = (await first.waitFor(/^SENT 0x/)).split(" ")[1];
      await first.kill9();
      expect(await keeperNonce("pending")).toBe(nonceBefore + 1);
      expect(await keeperNonce("latest")).toBe(nonceBefore);

      const second = startKeeper(config(dataDir, user, action, false));
      const reconciled = JSON.parse((await second.waitFor(/^RECONCILED /)).slice("RECONCILED ".length));
      expect(reconciled).toMatchObject({ pending: [1], rebroadcast: [], mined: [] }); // the node still has it: nothing sent
      expect(await second.waitFor(/^SUBMIT /)).toBe("SUBMIT skipped duplicate"); // no new transaction for the opportunity
      expect(await keeperNonce("pending")).toBe(nonceBefore + 1);

      await rpc("evm_mine");
      const done = JSON.parse((await second.waitFor(/^DONE /)).slice("DONE ".length));
      expect(done).toEqual([{ id: 1, state: "mined", nonce: nonceBefore }]);
      expect(await second.exited).toBe(0);
      expect(second.lines.some((l) => l.startsWith("SENT"))).toBe(false);

      expect(await keeperNonce()).toBe(nonceBefore + 1);
      expect(await liquidations(user)).toBe(1);
      expect((await clients.public.getTransactionReceipt({ hash: sent as `0x${string}` })).status).toBe("success");
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });

  /** Three underwater borrowers and the pipeline config that liquidates them in one run, several in flight. */
  async function three(dataDir: string, pause: { pauseAfterSent?: number; pauseBeforeBroadcastOf?: number }) {
    const sends: { user: Address; action: ExecutorAction }[] = [];
    for (let i = 0; i < 3; i++) sends.push(await underwater());
    const cfg = (p: typeof pause) => ({
      rpcUrl: node.url,
      key: DEV_KEY_1,
      executor,
      weth: world.tokens.WETH.address,
      dataDir,
      sends: sends.map((x) => ({ opportunityId: `aave-v3:${x.user}`, action: x.action })),
      ...p,
    });
    return { users: sends.map((x) => x.user), first: cfg(pause), restart: cfg({}) };
  }
  const marker = (line: string) => JSON.parse(line.slice(line.indexOf(" ") + 1));

  /** After DONE: the nonce moved by exactly 3 with nothing left pending, each borrower liquidated once, one original per intent. */
  async function assertOnceEach(dataDir: string, users: Address[], nonceBefore: number) {
    expect(await keeperNonce("latest")).toBe(nonceBefore + 3);
    expect(await keeperNonce("pending")).toBe(nonceBefore + 3); // no gap, nothing queued behind one
    for (const u of users) expect(await liquidations(u)).toBe(1);
    const journal = Journal.open(dataDir);
    try {
      expect(journal.counts().attempts).toEqual({ original: 3, replacement: 0, cancel: 0 }); // nothing signed twice
      const mined = journal.history(100).filter((i) => i.state === "mined");
      expect(mined.map((i) => i.nonce).sort()).toEqual([nonceBefore, nonceBefore + 1, nonceBefore + 2]);
      expect(new Set(mined.map((i) => i.opportunityId)).size).toBe(3);
    } finally {
      journal.close();
    }
  }

  it("three in flight, killed after the 2nd broadcast: the restart sends only the 3rd (next nonce), nothing twice", async () => {
    const dataDir = join(dir, "journal-many-a");
    const { users, first, restart } = await three(dataDir, { pauseAfterSent: 2 }); // automine still on: the borrowers' set-up mines
    const nonceBefore = await keeperNonce();
    await rpc("evm_setAutomine", [false]);
    try {
      const a = startKeeper(first, "sendMany");
      await a.waitFor(/^PAUSED 2$/);
      await a.kill9();
      expect(a.lines.filter((l) => l.startsWith("SENT")).map((l) => Number(l.split(" ")[3]))).toEqual([
        nonceBefore,
        nonceBefore + 1,
      ]);
      expect(await keeperNonce("pending")).toBe(nonceBefore + 2);

      const b = startKeeper(restart, "sendMany");
      expect(marker(await b.waitFor(/^RECONCILED /))).toMatchObject({
        pending: [1, 2],
        rebroadcast: [],
        mined: [],
        abandoned: [],
      });
      const third = await b.waitFor(/^SENT 3 /);
      expect(Number(third.split(" ")[3])).toBe(nonceBefore + 2); // the next nonce: no gap, no reuse
      expect(b.lines.filter((l) => l.startsWith("SUBMIT"))).toEqual([
        "SUBMIT 1 skipped duplicate",
        "SUBMIT 2 skipped duplicate",
        "SUBMIT 3 submitted",
      ]);
      await rpc("evm_mine");
      const done = marker(await b.waitFor(/^DONE /));
      expect(await b.exited).toBe(0);
      expect(done.map((i: { state: string }) => i.state)).toEqual(["mined", "mined", "mined"]);
      await assertOnceEach(dataDir, users, nonceBefore);
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });

  it("three in flight, killed after journaling the 3rd and before broadcasting it: the restart rebroadcasts only its bytes", async () => {
    const dataDir = join(dir, "journal-many-b");
    const { users, first, restart } = await three(dataDir, { pauseBeforeBroadcastOf: 3 }); // automine still on: the borrowers' set-up mines
    const nonceBefore = await keeperNonce();
    await rpc("evm_setAutomine", [false]);
    try {
      const a = startKeeper(first, "sendMany");
      const journaled = (await a.waitFor(/^JOURNALED 3 0x/)).split(" ")[2] as `0x${string}`;
      await a.kill9();
      expect(await keeperNonce("pending")).toBe(nonceBefore + 2); // the 3rd never reached the node
      await expect(clients.public.getTransaction({ hash: journaled })).rejects.toThrow();

      const b = startKeeper(restart, "sendMany");
      expect(marker(await b.waitFor(/^RECONCILED /))).toMatchObject({
        pending: [1, 2],
        rebroadcast: [3],
        mined: [],
        abandoned: [],
      });
      expect((await clients.public.getTransaction({ hash: journaled })).nonce).toBe(nonceBefore + 2); // its own bytes, its nonce
      await b.waitFor(/^SUBMIT 3 /);
      expect(b.lines.filter((l) => l.startsWith("SUBMIT"))).toEqual([
        "SUBMIT 1 skipped duplicate",
        "SUBMIT 2 skipped duplicate",
        "SUBMIT 3 skipped duplicate",
      ]);
      await rpc("evm_mine");
      const done = marker(await b.waitFor(/^DONE /));
      expect(await b.exited).toBe(0);
      expect(done.map((i: { state: string }) => i.state)).toEqual(["mined", "mined", "mined"]);
      expect(b.lines.some((l) => l.startsWith("SENT"))).toBe(false);
      await assertOnceEach(dataDir, users, nonceBefore);
      expect((await clients.public.getTransactionReceipt({ hash: journaled })).status).toBe("success");
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });

  it("a keeper a test leaves running (paused before its broadcast, as after a failed waitFor) is reaped with its group", async () => {
    const { user, action } = await underwater();
    const left = startKeeper(config(join(dir, "journal-left"), user, action, true));
    await left.waitFor(/^JOURNALED 0x/);
    expect(alive(left.child.pid!)).toBe(true); // nothing kills it in this test: afterEach must
  });

  it("no keeper process outlives the test that started it", () => {
    expect(keepers.length).toBeGreaterThan(0);
    expect(keepers.filter((k) => alive(k.pid)).map((k) => k.pid)).toEqual([]);
  });
});
