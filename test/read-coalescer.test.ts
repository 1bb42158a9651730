/**
 * The read coalescer on a real chain (Multicall3 and the world's contracts on an in-process node), behind a
 * transport that counts requests and can fail one on purpose: reads of one wave share aggregate3 requests, results
 * split back in order, a call's own failure stays its own, a failed request fails every caller with a call in it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, custom, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { createInProcessChain, localChain, type InProcessChain } from "../src/chain/inProcess.js";
import { getLogsChunked } from "../src/chain/logs.js";
import { BatchedReadError, ReadCoalescer, readBatched, type ReadCall } from "../src/chain/multicall.js";
import { erc20BalanceAbi } from "../src/chain/erc20.js";
import { aaveBorrowEvent, aavePoolAccountEvents } from "../src/protocols/aaveV3/abi.js";
import { aggregatorAbi } from "../src/protocols/feeds/read.js";
import { morphoBorrowEvent } from "../src/protocols/morphoBlue/abi.js";
import { deployWorld, type World } from "../src/world/index.js";

describe("ReadCoalescer", () => {
  let chain: InProcessChain;
  let world: World;
  let client: PublicClient<Transport, Chain>;
  let counts: Record<string, number> = {};
  /** eth_call number (1-based, since the last reset) to fail at the transport, or 0. */
  let failCall = 0;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 6, morphoBorrowers: 4, seed: 2 });
    client = createPublicClient({
      chain: localChain,
      transport: custom(
        {
          request: async (args: { method: string; params?: unknown[] }) => {
            counts[args.method] = (counts[args.method] ?? 0) + 1;
            if (args.method === "eth_call" && counts.eth_call === failCall) throw new Error("connection reset by peer");
            return chain.provider.request(args);
          },
        },
        { retryCount: 0 },
      ),
    }) as PublicClient<Transport, Chain>;
  }, 300_000);

  afterAll(async () => {
    await chain?.close();
  });

  const reset = () => {
    counts = {};
    failCall = 0;
  };
  const tokens = () => Object.values(world.tokens).map((t) => t.address as Address);
  const balances = (holder: Address): ReadCall[] =>
    tokens().map((t) => ({ address: t, abi: erc20BalanceAbi, functionName: "balanceOf", args: [holder] }));
  // The Chainlink-style feeds (a rate adapter such as wstETH's answers only latestAnswer).
  const prices = (): ReadCall[] =>
    Object.entries(world.feeds)
      .filter(([symbol]) => !world.rateAdapters[symbol as keyof World["rateAdapters"]])
      .map(([, f]) => ({ address: f, abi: aggregatorAbi, functionName: "latestRoundData" }));

  it("merges the reads of one wave, splits results back in order, and keeps a reverting call's failure its own", async () => {
    const blockNumber = await chain.public.getBlockNumber();
    const a = balances(world.aave.pool);
    // A token has no latestRoundData: this call reverts, the others of its request do not.
    const b = [...prices(), { address: tokens()[0], abi: aggregatorAbi, functionName: "latestRoundData" }];
    const c = balances(world.morpho.morpho);
    const alone = await Promise.all([a, b, c].map((calls) => readBatched(chain.public, calls, { blockNumber })));
    reset();
    const coalescer = new ReadCoalescer(client, { chunkSize: 300 });
    const merged = await Promise.all([a, b, c].map((calls) => readBatched(client, calls, { blockNumber, coalescer })));
    expect(merged).toEqual(alone);
    expect(merged[1].at(-1)!.ok).toBe(false);
    expect(merged[1].slice(0, -1).every((r) => r.ok)).toBe(true);
    expect(counts).toEqual({ eth_call: 1 });
    expect(coalescer.counters()).toMatchObject({ waves: 1, calls: 1, reads: 3 });
  });

  it("sends a reader's dependent round with the other readers' rounds of the same wave", async () => {
    reset();
    const coalescer = new ReadCoalescer(client, { chunkSize: 300 });
    const twoRounds = async () => {
      await readBatched(client, prices(), { coalescer });
      return readBatched(client, balances(world.aave.pool), { coalescer });
    };
    const afterOne = async () => {
      await readBatched(client, balances(world.morpho.morpho), { coalescer });
      return readBatched(client, prices(), { coalescer });
    };
    await Promise.all([twoRounds(), afterOne(), readBatched(client, balances(world.aave.oracle), { coalescer })]);
    expect(counts.eth_call).toBe(2);
    expect(coalescer.counters().waves).toBe(2);
  });

  it("chunks a wave by chunkSize; a failed request fails every caller with a call in it, and only them", async () => {
    const coalescer = new ReadCoalescer(client, { chunkSize: 4 });
    reset();
    failCall = 2; // the second chunk: calls 4..7
    const first = balances(world.aave.pool).slice(0, 3); // calls 0..2
    const straddling = [...balances(world.morpho.morpho).slice(0, 2), ...prices().slice(0, 2)]; // calls 3..6
    const last = prices().slice(0, 1); // call 7
    const results = await Promise.allSettled(
      [first, straddling, last].map((calls) => readBatched(client, calls, { coalescer })),
    );
    expect(counts.eth_call).toBe(2);
    expect(results[0].status).toBe("fulfilled");
    for (const r of results.slice(1)) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BatchedReadError);
    }
  });

  it("grants spare-room reads only the room other reads leave in their last chunk, in whole units", async () => {
    const coalescer = new ReadCoalescer(client, { chunkSize: 8 });
    reset();
    const needed = balances(world.aave.pool).slice(0, 3); // 5 calls of room left in the chunk
    const spare = [...prices(), ...prices()].slice(0, 8);
    const [, granted] = await Promise.all([readBatched(client, needed, { coalescer }), coalescer.readSpare(spare, 2)]);
    expect(granted).toHaveLength(4);
    expect(granted.every((r) => r.ok)).toBe(true);
    expect(counts.eth_call).toBe(1);
  });

  it("merges eth_getLogs of the same range over several addresses and topics, each reader getting its own logs", async () => {
    const toBlock = await chain.public.getBlockNumber();
    const aaveParams = {
      address: [world.aave.pool],
      event: aaveBorrowEvent,
      events: [...aavePoolAccountEvents],
      fromBlock: 0n,
      toBlock,
    };
    const morphoParams = { address: world.morpho.morpho, event: morphoBorrowEvent, fromBlock: 0n, toBlock };
    const [aaveAlone, morphoAlone] = await Promise.all([
      getLogsChunked(chain.public, aaveParams),
      getLogsChunked(chain.public, morphoParams),
    ]);
    reset();
    const coalescer = new ReadCoalescer(client);
    const [aave, morpho] = await Promise.all([
      getLogsChunked(client, { ...aaveParams, coalescer }),
      getLogsChunked(client, { ...morphoParams, coalescer }),
    ]);
    expect(counts).toEqual({ eth_getLogs: Math.ceil(Number(toBlock + 1n) / 2_000) });
    expect(aave.length).toBeGreaterThan(0);
    expect(morpho.length).toBeGreaterThan(0);
    const shape = (logs: readonly { eventName: string; args: unknown; blockNumber: bigint; logIndex: number }[]) =>
      logs.map((l) => ({ eventName: l.eventName, args: l.args, blockNumber: l.blockNumber, logIndex: l.logIndex }));
    expect(shape(aave)).toEqual(shape(aaveAlone));
    expect(shape(morpho)).toEqual(shape(morphoAlone));
  });
});
