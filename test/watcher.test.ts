import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../src/chain/inProcess.js";
import { Watcher } from "../src/watcher/watcher.js";
import type { AaveReader } from "../src/protocols/aaveV3/reader.js";
import { createAaveBorrower, deployWorld, setPrice, type World } from "../src/world/index.js";
import { aavePoolAbi } from "./helpers/abis.js";

describe("Watcher on the real protocols", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 40, morphoBorrowers: 0, seed: 5 });
  });

  it("discovers every Aave borrower from Borrow events and reads the same account data as the pool", async () => {
    const w = new Watcher(chain.public, world, { watch: new Set(["aave-v3", "uniswap-v2"]), multicallChunk: 7 });
    const s = await w.snapshot();
    expect(new Set((w.readerFor("aave-v3") as AaveReader).borrowers)).toEqual(new Set(world.borrowers.aave));
    expect(s.aave!.accounts).toHaveLength(40);
    for (const a of s.aave!.accounts.slice(0, 5)) {
      const d = await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [a.user],
        blockNumber: s.blockNumber,
      });
      expect(a.healthFactor).toBe(d[5]);
      expect(a.totalDebtBase).toBe(d[1]);
    }
    expect(s.aave!.reserves.map((r) => r.asset).sort()).toEqual(
      Object.values(world.tokens)
        .map((t) => t.address)
        .sort(),
    );
    expect(s.v2Pairs).toHaveLength(Object.keys(world.uniswapV2.pairs).length);
    expect(Object.isFrozen(s) && Object.isFrozen(s.v2Pairs)).toBe(true);
  });

  it("picks up new borrowers incrementally and details only the accounts under HF 1", async () => {
    const w = new Watcher(chain.public, world, { watch: new Set(["aave-v3"]) });
    await w.snapshot();
    const fresh = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 50_000n * 10n ** 8n,
      healthFactorBps: 10_400n,
    });
    await setPrice(chain, world, "WETH", 2_800n * 10n ** 8n);
    const s = await w.snapshot();
    expect(s.stats.newBorrowers).toBe(1);
    expect((w.readerFor("aave-v3") as AaveReader).borrowers.has(fresh)).toBe(true);
    const under = s.aave!.accounts.filter((a) => a.healthFactor < 10n ** 18n).map((a) => a.user);
    expect(under).toContain(fresh);
    expect(Object.keys(s.aave!.positions).sort()).toEqual([...under].sort());
    const p = s.aave!.positions[fresh];
    expect(p.reserves.find((r) => r.asset === world.tokens.WETH.address)!.usageAsCollateralEnabled).toBe(true);
    expect(p.reserves.find((r) => r.asset === world.tokens.USDC.address)!.variableDebt).toBeGreaterThan(0n);
    await setPrice(chain, world, "WETH", 3_000n * 10n ** 8n);
  });
});

describe("Watcher incremental Aave reads", () => {
  it("re-reads only the accounts a price move could have sunk, and still catches the one that sank", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 60, morphoBorrowers: 0, seed: 9 });
    const edge = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 30_000n * 10n ** 8n,
      healthFactorBps: 10_400n,
    });
    const w = new Watcher(chain.public, world, { watch: new Set(["aave-v3"]), fullRefreshBlocks: 1000 });
    const first = await w.snapshot();
    expect(first.stats.aaveAccountsRead).toBe(61); // the first read is full
    await setPrice(chain, world, "WETH", 2_850n * 10n ** 8n); // -5%: the edge borrower (HF 1.04) sinks
    const second = await w.snapshot();
    expect(second.stats.aaveAccountsRead).toBeGreaterThan(0);
    expect(second.stats.aaveAccountsRead).toBeLessThan(61);
    expect(Object.keys(second.aave!.positions)).toContain(edge);
    // every account it did not re-read is provably still above HF 1 at the new prices
    for (const a of second.aave!.accounts) {
      const d = await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [a.user],
      });
      if (d[1] > 0n && d[5] < 10n ** 18n) expect(Object.keys(second.aave!.positions)).toContain(a.user);
    }
    await chain.close();
  });
});

describe("Watcher incremental Aave reads, governance", () => {
  it("re-reads every account when a reserve's risk parameters change, catching those the change sank", async () => {
    const { aaveArtifacts } = await import("../src/world/aave.js");
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 20, morphoBorrowers: 0, seed: 4 });
    const victim = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 30_000n * 10n ** 8n,
      healthFactorBps: 10_400n,
    });
    const w = new Watcher(chain.public, world, { watch: new Set(["aave-v3"]), fullRefreshBlocks: 1000 });
    await w.snapshot();
    await chain.public.request({ method: "evm_mine", params: [] } as never);
    expect((await w.snapshot()).stats.aaveAccountsRead).toBeLessThan(21); // nothing moved: only near-threshold ones
    // Governance lowers WETH's liquidation threshold from 82.5% to 78% (LTV to 75%): prices unchanged, HF falls.
    const hash = await chain.wallet.writeContract({
      address: world.aave.configurator,
      abi: aaveArtifacts.configurator().abi,
      functionName: "configureReserveAsCollateral",
      args: [world.tokens.WETH.address, 7500n, 7800n, 10500n],
    } as never);
    await chain.public.waitForTransactionReceipt({ hash });
    const s = await w.snapshot();
    expect(s.stats.aaveAccountsRead).toBe(21);
    expect(Object.keys(s.aave!.positions)).toContain(victim);
    await chain.close();
  });
});
