/**
 * Integration test: routes quoted by src/risk/route against the REAL Uniswap V2 pairs and V3 pool of the test
 * world (@uniswap/v2-core and v3-core bytecode). Pools are read into Venues (V2 getReserves; V3 through
 * readV3Pools' default two-word window, which becomes the venue's tick window), a split / two-hop route is
 * quoted, then every leg's hops run on chain in execution order through the PoolActor (swapV2 / swapV3 with
 * no price limit), each hop fed the output the previous hop actually paid. Every hop's output, the total, and
 * the pools' states afterwards must equal the quote to the wei.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAbi, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { readV3Pools } from "../../src/protocols/uniswapV3/read.js";
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from "../../src/risk/index.js";
import { bestRoute, sameAddress, v3TickWindow, type Route, type Venue } from "../../src/risk/route/index.js";
import { deployWorld, type V2PairName, type World } from "../../src/world/index.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";
import { sendOk } from "./chain.js";

const pairAbi = parseAbi([
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
]);
const tokenAbi = parseAbi(["function balanceOf(address) view returns (uint256)"]);
const PAIRS: V2PairName[] = ["WETH_USDC", "WBTC_USDC", "WBTC_WETH"];
const WORDS_EACH_SIDE = 2;

describe("split routes vs the real Uniswap V2 / V3 pools (integration)", () => {
  let chain: InProcessChain;
  let world: World;
  let recipient: Address;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    recipient = chain.accounts[3].account.address;
  });

  afterAll(async () => {
    await chain?.close();
  });

  async function readVenues(): Promise<Venue[]> {
    const venues: Venue[] = [];
    for (const name of PAIRS) {
      const p = world.uniswapV2.pairs[name];
      const [reserve0, reserve1] = await chain.public.readContract({
        address: p.address,
        abi: pairAbi,
        functionName: "getReserves",
      });
      venues.push({ kind: "v2", address: p.address, token0: p.token0, token1: p.token1, reserve0, reserve1 });
    }
    const pool = world.uniswapV3.pools.WETH_USDC_3000;
    const [snap] = await readV3Pools(chain.public, [{ name: "WETH/USDC 0.3%", ...pool }], {
      wordsEachSide: WORDS_EACH_SIDE,
    });
    venues.push({
      kind: "v3",
      address: pool.address,
      token0: pool.token0,
      token1: pool.token1,
      fee: pool.fee,
      state: snap.state,
      tickWindow: v3TickWindow(snap.state.tick, pool.tickSpacing, WORDS_EACH_SIDE),
    });
    return venues;
  }

  const balanceOf = (token: Address) =>
    chain.public.readContract({ address: token, abi: tokenAbi, functionName: "balanceOf", args: [recipient] });

  /** Runs the route's legs in order on chain; returns each hop's actual output, leg by leg. */
  async function execute(venues: readonly Venue[], route: Route): Promise<bigint[][]> {
    const actorAbi = poolActorArtifact().abi;
    const outs: bigint[][] = [];
    for (const leg of route.legs) {
      const hopOuts: bigint[] = [];
      let amount = leg.amountIn;
      for (const hop of leg.path) {
        const venue = venues.find((v) => sameAddress(v.address, hop.venue))!;
        const zeroForOne = sameAddress(hop.tokenIn, venue.token0);
        const before = await balanceOf(hop.tokenOut);
        if (venue.kind === "v2") {
          await sendOk(chain, chain.wallet, {
            address: world.helpers.poolActor,
            abi: actorAbi,
            functionName: "swapV2",
            args: [venue.address, zeroForOne, amount, recipient],
          });
        } else {
          const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
          await sendOk(chain, chain.wallet, {
            address: world.helpers.poolActor,
            abi: actorAbi,
            functionName: "swapV3",
            args: [venue.address, zeroForOne, amount, limit, recipient],
            gas: 15_000_000n,
          });
        }
        amount = (await balanceOf(hop.tokenOut)) - before;
        hopOuts.push(amount);
      }
      outs.push(hopOuts);
    }
    return outs;
  }

  /** Quotes, executes, and compares hop outputs, the total and the pool states after. */
  async function roundTrip(tokenIn: Address, tokenOut: Address, amountIn: bigint, hubs: Address[]) {
    const venues = await readVenues();
    const route = bestRoute(venues, tokenIn, tokenOut, amountIn, { hubs, slices: 16 });
    expect(route.unrouted).toBe(0n);
    const outs = await execute(venues, route);
    expect(outs).toEqual(route.legs.map((l) => l.hopOut));
    expect(outs.reduce((sum, hops) => sum + hops[hops.length - 1], 0n)).toBe(route.amountOut);
    const after = await readVenues();
    for (const [i, predicted] of route.venuesAfter.entries()) {
      const actual = after[i];
      if (predicted.kind === "v2" && actual.kind === "v2") {
        expect({ r0: actual.reserve0, r1: actual.reserve1 }).toEqual({
          r0: predicted.reserve0,
          r1: predicted.reserve1,
        });
      } else if (predicted.kind === "v3" && actual.kind === "v3") {
        const { sqrtPriceX96, tick, liquidity } = actual.state;
        expect({ sqrtPriceX96, tick, liquidity }).toEqual({
          sqrtPriceX96: predicted.state.sqrtPriceX96,
          tick: predicted.state.tick,
          liquidity: predicted.state.liquidity,
        });
      }
    }
    return { route, before: venues };
  }

  it("WETH -> USDC split across the V2 pair, the V3 pool and WETH -> WBTC -> USDC pays the quote to the wei", async () => {
    const { WETH, USDC, WBTC } = world.tokens;
    // ~$24M: enough to push the V3 pool past its nearest liquidity layer (x/÷1.1 of the price) and split the sale.
    const { route, before } = await roundTrip(WETH.address, USDC.address, 8_000n * 10n ** 18n, [WBTC.address]);
    // The V3 leg crossed initialized ticks (its active liquidity changed), so the tick-by-tick replay was exercised.
    const v3Index = before.findIndex((v) => v.kind === "v3");
    const [v3Before, v3After] = [before[v3Index], route.venuesAfter[v3Index]];
    if (v3Before.kind !== "v3" || v3After.kind !== "v3") throw new Error("no V3 venue");
    expect(v3After.state.liquidity).not.toBe(v3Before.state.liquidity);
    const venuesUsed = new Set(route.legs.flatMap((l) => l.path.map((h) => h.venue)));
    expect(route.legs.length).toBeGreaterThanOrEqual(2);
    expect(venuesUsed.has(world.uniswapV3.pools.WETH_USDC_3000.address)).toBe(true);
    expect(venuesUsed.has(world.uniswapV2.pairs.WETH_USDC.address)).toBe(true);
    if (process.env.PROPERTY_VERBOSE)
      console.log(route.legs.map((l) => ({ hops: l.path.length, in: l.amountIn, out: l.amountOut })));
  });

  it("WBTC -> USDC over the direct pair and two-hop paths sharing the WETH/USDC venues pays the quote to the wei", async () => {
    const { WETH, USDC, WBTC } = world.tokens;
    const { route } = await roundTrip(WBTC.address, USDC.address, 150n * 10n ** 8n, [WETH.address]);
    expect(route.legs.some((l) => l.path.length === 2)).toBe(true);
    expect(route.legs.some((l) => l.path.length === 1)).toBe(true);
    if (process.env.PROPERTY_VERBOSE)
      console.log(route.legs.map((l) => ({ hops: l.path.length, in: l.amountIn, out: l.amountOut })));
  });

  it("USDC -> WBTC back through the moved pools pays the quote to the wei", async () => {
    const { WETH, USDC, WBTC } = world.tokens;
    const { route } = await roundTrip(USDC.address, WBTC.address, 8_000_000n * 10n ** 6n, [WETH.address]);
    expect(route.legs.length).toBeGreaterThanOrEqual(2);
  });
});
