/**
 * Morpho markets from CreateMarket events, on the world's real Morpho Blue: a deployment that lists no market (a
 * preset) watches every market of its tokens with their borrowers, a market of an unknown token is left out unless
 * its id is named, a market created (and borrowed from) between two blocks is watched from the next one, and a
 * restart restores the markets and their borrowers from the discovery store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, maxUint256, parseUnits, type Address, type Hex } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { DiscoveryStore } from "../../src/journal/discoveryStore.js";
import type { MorphoMarketParams } from "../../src/protocols/morphoBlue/types.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, morphoMarketId, type World } from "../../src/world/index.js";
import { feedOracleArtifact, morphoArtifact } from "../../src/world/morpho.js";
import { testErc20 } from "../../src/world/tokens.js";
import { deploy, send } from "../../src/world/tx.js";

describe("Morpho markets discovered from CreateMarket", () => {
  let chain: InProcessChain;
  let world: World;
  let foreign: { id: Hex; params: MorphoMarketParams };
  let dir: string;
  const morphoAbi = morphoArtifact().abi;
  const erc20 = testErc20().abi;

  /** The world's deployment with no Morpho market listed: what a preset gives. */
  const unlisted = (discover?: false | "known-tokens" | Hex[]) =>
    ({
      ...world,
      morpho: { morpho: world.morpho.morpho, markets: [], ...(discover === undefined ? {} : { discover }) },
    }) as unknown as World;

  /** Creates a market on the world's Morpho (LLTV 86% is enabled by the world); returns its id and params. */
  async function createMarket(loan: Address, collateral: Address, oracle: Address) {
    const params: MorphoMarketParams = {
      loanToken: loan,
      collateralToken: collateral,
      oracle,
      irm: world.morpho.marketParams.irm,
      lltv: world.morpho.marketParams.lltv,
    };
    await send(chain, { address: world.morpho.morpho, abi: morphoAbi, functionName: "createMarket", args: [params] });
    return { id: morphoMarketId(params), params };
  }

  /** The deployer supplies loan tokens, posts collateral and borrows half of what the LLTV allows, on `market`. */
  async function borrowOn(market: { params: MorphoMarketParams }, collateral: bigint, borrow: bigint) {
    const me = chain.wallet.account.address;
    const { loanToken, collateralToken } = market.params;
    for (const [token, amount] of [
      [loanToken, borrow * 2n],
      [collateralToken, collateral],
    ] as const) {
      await send(chain, { address: token, abi: erc20, functionName: "mint", args: [me, amount] });
      await send(chain, {
        address: token,
        abi: erc20,
        functionName: "approve",
        args: [world.morpho.morpho, maxUint256],
      });
    }
    const m = world.morpho.morpho;
    await send(chain, {
      address: m,
      abi: morphoAbi,
      functionName: "supply",
      args: [market.params, borrow * 2n, 0n, me, "0x"],
    });
    await send(chain, {
      address: m,
      abi: morphoAbi,
      functionName: "supplyCollateral",
      args: [market.params, collateral, me, "0x"],
    });
    await send(chain, {
      address: m,
      abi: morphoAbi,
      functionName: "borrow",
      args: [market.params, borrow, 0n, me, me],
    });
    return getAddress(me);
  }

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 4, seed: 3 });
    // A market whose collateral is a token the deployment does not list: the keeper has no price to value it with.
    const other = await deploy(chain, testErc20(), ["Other", "OTH", 18]);
    const oracle = await deploy(chain, feedOracleArtifact(), [world.feeds.WETH, world.feeds.USDC, 18, 6]);
    foreign = await createMarket(world.tokens.USDC.address, other, oracle);
    dir = mkdtempSync(join(tmpdir(), "morpho-markets-"));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("with no market listed, watches the markets of the deployment's tokens with every borrower, as if listed", async () => {
    const listed = await new Watcher(chain.public, world, { watch: new Set(["morpho-blue"]) }).snapshot();
    const found = await new Watcher(chain.public, unlisted(), { watch: new Set(["morpho-blue"]) }).snapshot();
    const worldIds = world.morpho.markets.map((m) => m.id);
    expect(found.morpho!.markets.map((m) => m.id)).toEqual(worldIds);
    expect(found.morpho!.markets.map((m) => m.params)).toEqual(world.morpho.markets.map((m) => m.params));
    expect(found.morpho!.markets.map((m) => m.positions)).toEqual(listed.morpho!.markets.map((m) => m.positions));
    expect(found.morpho!.markets.flatMap((m) => m.positions)).toHaveLength(4);
    expect(found.stats.morphoMarketsWatched).toBe(worldIds.length);
  });

  it("a market of an unknown token is left out, and watched when its id is named", async () => {
    const named = await new Watcher(chain.public, unlisted([foreign.id]), {
      watch: new Set(["morpho-blue"]),
    }).snapshot();
    expect(named.morpho!.markets.map((m) => m.id)).toEqual([foreign.id]);
    expect(named.morpho!.markets[0].params).toEqual(foreign.params);
    const none = await new Watcher(chain.public, unlisted(false), { watch: new Set(["morpho-blue"]) }).snapshot();
    expect(none.morpho!.markets).toEqual([]);
  });

  it("a market created and borrowed from between two blocks is watched from the next, with its borrower", async () => {
    const store = DiscoveryStore.open(dir);
    const watcher = new Watcher(chain.public, unlisted(), { watch: new Set(["morpho-blue"]), discovery: { store } });
    const before = await watcher.snapshot();
    expect(before.morpho!.markets).toHaveLength(world.morpho.markets.length);
    const oracle = await deploy(chain, feedOracleArtifact(), [world.feeds.WBTC, world.feeds.USDC, 8, 6]);
    const fresh = await createMarket(world.tokens.USDC.address, world.tokens.WBTC.address, oracle);
    const borrower = await borrowOn(fresh, parseUnits("1", 8), parseUnits("10000", 6));
    const after = await watcher.snapshot();
    const read = after.morpho!.markets.find((m) => m.id === fresh.id)!;
    expect(after.morpho!.markets.map((m) => m.id)).toEqual([...world.morpho.markets.map((m) => m.id), fresh.id]);
    expect(read.price).toBeGreaterThan(0n);
    expect(read.positions.map((p) => p.borrower)).toEqual([borrower]);
    expect(read.positions[0].position.collateral).toBe(parseUnits("1", 8));
    store.close();

    // A restart at the same block: markets and borrowers come back from the store (nothing left to scan).
    const reopened = DiscoveryStore.open(dir);
    const restarted = new Watcher(chain.public, unlisted(), {
      watch: new Set(["morpho-blue"]),
      discovery: { store: reopened },
    });
    const again = await restarted.snapshot(after.blockNumber);
    // Restored from the store: the same markets (in the store's order).
    expect(again.morpho!.markets.map((m) => m.id).sort()).toEqual(
      [...world.morpho.markets.map((m) => m.id), fresh.id].sort(),
    );
    expect(again.morpho!.markets.find((m) => m.id === fresh.id)!.positions).toEqual(read.positions);
    reopened.close();
  });

  it("MORPHO_MARKETS replaces the deployment's choice", async () => {
    const { loadConfig } = await import("../../src/config/index.js");
    const env = (MORPHO_MARKETS: string) =>
      loadConfig({ argv: ["scan"], env: { MORPHO_MARKETS }, envFile: join(dir, "none.env") }).morphoMarkets;
    expect(env("listed")).toBe(false);
    expect(env("known-tokens")).toBe("known-tokens");
    expect(env(`${foreign.id.toUpperCase().replace("0X", "0x")}, ${world.morpho.marketId}`)).toEqual([
      foreign.id,
      world.morpho.marketId,
    ]);
    expect(() => env("0x1234")).toThrow(/MORPHO_MARKETS.*not a market id: 0x1234/s);
  });
});
