/**
 * A node's eth_call gas cap (geth's RPCGasCap, a provider's limit) refuses a whole aggregate3 chunk of heavy reads:
 * readBatched halves the chunk until each half fits, instead of reporting every call of the chunk as failed. The
 * node here is the in-process Hardhat chain behind a transport that refuses, as geth words it, any aggregate3 whose
 * calldata is longer than a cap (calldata length stands in for gas: each call adds the same cost).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, custom, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { erc20BalanceAbi } from "../src/chain/erc20.js";
import { createInProcessChain, type InProcessChain } from "../src/chain/inProcess.js";
import { readBatched, type ReadCall } from "../src/chain/multicall.js";
import { deployWorld, type World } from "../src/world/index.js";

describe("readBatched under a node's eth_call gas cap", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
  });
  afterAll(async () => chain?.close());

  /** The chain, refusing eth_calls with more than `maxBytes` of calldata as geth refuses calls over its gas cap. */
  function cappedClient(maxBytes: number): { client: PublicClient<Transport, Chain>; calls: number[] } {
    const calls: number[] = [];
    const client = createPublicClient({
      chain: chain.public.chain,
      transport: custom(
        {
          request: async (args: { method: string; params?: unknown }) => {
            if (args.method === "eth_call") {
              const data = ((args.params as [{ data?: string; input?: string }])[0].data ?? "") as string;
              const bytes = (data.length - 2) / 2;
              calls.push(bytes);
              if (bytes > maxBytes)
                throw Object.assign(new Error("gas required exceeds allowance (50000000)"), { code: -32000 });
            }
            return chain.public.request(args as never);
          },
        },
        { retryCount: 0 },
      ),
    }) as PublicClient<Transport, Chain>;
    return { client, calls };
  }

  it("halves a refused chunk until it fits, and every read comes back as the chain answers it", async () => {
    const holders: Address[] = Array.from(
      { length: 200 },
      (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
    );
    holders.push(world.uniswapV2.pairs.WETH_USDC.address);
    const reads: ReadCall[] = holders.map((h) => ({
      address: world.tokens.WETH.address,
      abi: erc20BalanceAbi,
      functionName: "balanceOf",
      args: [h],
    }));
    const direct = await readBatched<bigint>(chain.public, reads, { chunkSize: 300 });
    expect(direct.every((r) => r.ok)).toBe(true);

    // One aggregate3 of 201 calls is ~32 KB of calldata: capped at 6 KB it must go in pieces of at most ~37 calls.
    const { client, calls } = cappedClient(6_000);
    const results = await readBatched<bigint>(client, reads, { chunkSize: 300 });
    expect(results).toEqual(direct);
    expect(results.at(-1)).toMatchObject({ ok: true });
    expect((results.at(-1) as { value: bigint }).value).toBeGreaterThan(0n);
    // Refused first as a whole, then halved: every request that went through fits under the cap.
    expect(calls[0]).toBeGreaterThan(6_000);
    expect(calls.filter((b) => b <= 6_000).length).toBeGreaterThanOrEqual(8);
  });

  it("a single call the cap refuses keeps its failure: nothing is split below one call", async () => {
    const { client } = cappedClient(10);
    const [only] = await readBatched<bigint>(client, [
      {
        address: world.tokens.WETH.address,
        abi: erc20BalanceAbi,
        functionName: "balanceOf",
        args: [world.tokens.WETH.address],
      },
    ]);
    expect(only.ok).toBe(false);
  });
});
