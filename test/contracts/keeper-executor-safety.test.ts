import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getAddress, parseAbi, zeroAddress, type Abi, type Address, type Hex } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { advanceTime, deployWorld, type World } from "../../src/world/index.js";
import { send } from "../../src/world/tx.js";

/**
 * What the keeper key alone (not the owner) can make the executor do with hostile addresses: a contract posing as
 * a pair, as Morpho Blue or as an Aave pool (contracts/test/DrainingVenue.sol) must not get the executor's
 * inventory, neither during the call nor afterwards through an allowance left behind. Also the owner's controls:
 * the venue allowlist, allowance revocation and the inventory caps.
 */

const readArtifact = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../artifacts/contracts/${path}`, import.meta.url), "utf8")) as {
    abi: Abi;
    bytecode: Hex;
  };
const artifact = readArtifact("KeeperExecutor.sol/KeeperExecutor.json");
const venueArtifact = readArtifact("test/DrainingVenue.sol/DrainingVenue.json");
const abi = artifact.abi;

const erc20Abi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
  "function mint(address,uint256)",
]);

const Funding = { Inventory: 0, V3Flash: 1, V2Flash: 2 } as const;
const FlashSource = { AaveFlashLoan: 0, UniswapV3Flash: 1, MorphoFlashLoan: 2 } as const;
const WAD = 10n ** 18n;
const DAY = 86_400n;

describe("KeeperExecutor against a hostile keeper key", () => {
  let chain: InProcessChain;
  let world: World;
  let ownerW: InProcessChain["wallet"];
  let keeperW: InProcessChain["wallet"];
  let executor: Address;

  /** Constructor arguments by parameter name, so the same deployment reads the contract's own signature. */
  function constructorArgs(named: Record<string, Address>): Address[] {
    const ctor = abi.find((x) => x.type === "constructor") as unknown as { inputs: { name: string }[] };
    return ctor.inputs.map((i) => named[i.name] ?? zeroAddress);
  }

  async function deployExecutor(protocols: Partial<Record<string, Address>> = {}): Promise<Address> {
    const hash = await chain.wallet.deployContract({
      abi,
      bytecode: artifact.bytecode,
      args: constructorArgs({
        owner_: ownerW.account.address,
        aavePool_: world.aave.pool,
        morpho_: world.morpho.morpho,
        uniswapV2Factory_: world.uniswapV2.factory,
        uniswapV3Factory_: world.uniswapV3.factory,
        ...protocols,
      } as Record<string, Address>),
    } as never);
    const address = getAddress((await chain.public.waitForTransactionReceipt({ hash })).contractAddress!);
    await write(ownerW, address, abi, "setKeeper", [keeperW.account.address]);
    return address;
  }

  beforeEach(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    [, ownerW, keeperW] = chain.accounts;
    executor = await deployExecutor();
  });

  afterEach(async () => {
    await chain.close();
  });

  async function write(wallet: InProcessChain["wallet"], address: Address, abi_: Abi, fn: string, args: unknown[]) {
    const hash = await wallet.writeContract({ address, abi: abi_, functionName: fn, args } as never);
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status, fn).toBe("success");
    return receipt;
  }

  /** Sends the call as `wallet`; returns the executor's custom error name (and args), or "ok" when it went through. */
  async function attempt(wallet: InProcessChain["wallet"], fn: string, args: unknown[]) {
    try {
      await chain.public.simulateContract({
        address: executor,
        abi,
        functionName: fn,
        args,
        account: wallet.account,
      } as never);
    } catch (e) {
      const reverted = (e as { walk: (f: (x: unknown) => boolean) => unknown }).walk(
        (x) => (x as Error)?.name === "ContractFunctionRevertedError",
      ) as { data?: { errorName: string; args?: readonly unknown[] }; reason?: string } | null;
      return { name: reverted?.data?.errorName ?? reverted?.reason ?? "revert", args: reverted?.data?.args ?? [] };
    }
    await write(wallet, executor, abi, fn, args);
    return { name: "ok", args: [] as readonly unknown[] };
  }

  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  const allowance = (token: Address, owner: Address, spender: Address) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "allowance", args: [owner, spender] });
  const mint = (token: Address, to: Address, amount: bigint) =>
    send(chain, { address: token, abi: erc20Abi as Abi, functionName: "mint", args: [to, amount] });

  /** A hostile venue trading `tokenA` against `tokenB` at the reserves given, holding plenty of both to pay out. */
  async function venue(tokenA: Address, tokenB: Address, reserveA: bigint, reserveB: bigint): Promise<Address> {
    const hash = await keeperW.deployContract({
      abi: venueArtifact.abi,
      bytecode: venueArtifact.bytecode,
      args: [tokenA, tokenB, reserveA, reserveB],
    } as never);
    const address = getAddress((await chain.public.waitForTransactionReceipt({ hash })).contractAddress!);
    await mint(tokenA, address, 10n ** 30n);
    await mint(tokenB, address, 10n ** 30n);
    return address;
  }

  /** After an attack: whatever the executor approved the venue for is taken; returns what was taken. */
  async function drain(fake: Address, token: Address): Promise<bigint> {
    const before = await balanceOf(token, keeperW.account.address);
    await write(keeperW, fake, venueArtifact.abi, "drain", [token, executor, keeperW.account.address]);
    return (await balanceOf(token, keeperW.account.address)) - before;
  }

  // --------------------------------------------------------------------------------------------------------
  // 1. Venues: pairs and pools are verified against the factories; Aave and Morpho are fixed at deployment
  // --------------------------------------------------------------------------------------------------------

  it("rebalanceV2 from inventory on a contract posing as a pair reverts UntrustedPool; the inventory stays", async () => {
    const { WETH, USDC } = world.tokens;
    const inventory = 10n * WAD;
    await mint(WETH.address, executor, inventory);
    // Reports WETH/USDC at reserves that make the 10 WETH worth ~100 USDC units, and pays them; the target is half
    // the reported price with 100% tolerance, so the inventory check values the input at ~50 units.
    const fake = await venue(WETH.address, USDC.address, 10n ** 30n, 10n ** 13n);
    const wethIs0 = WETH.address.toLowerCase() < USDC.address.toLowerCase();
    const priceX112 = wethIs0 ? ((10n ** 13n) << 112n) / 10n ** 30n : ((10n ** 30n) << 112n) / 10n ** 13n;
    const params = {
      pair: fake,
      zeroForOne: wethIs0,
      amountIn: inventory,
      targetPriceX112: wethIs0 ? priceX112 / 2n : priceX112 * 2n,
      toleranceBps: 10_000,
      funding: Funding.Inventory,
      fundingPool: zeroAddress,
      minProfit: 0n,
    };
    const r = await attempt(keeperW, "rebalanceV2", [params]);
    expect(r.name).toBe("UntrustedPool");
    expect(r.args).toEqual([fake]);
    expect(await balanceOf(WETH.address, executor)).toBe(inventory);
    expect(await balanceOf(WETH.address, fake)).toBe(10n ** 30n);
  });

  it("liquidateAaveMorphoFlash naming a fake Morpho and Aave pool leaves no allowance the fake could drain", async () => {
    const { WETH, USDC } = world.tokens;
    const inventory = 50_000n * 10n ** 6n;
    await mint(USDC.address, executor, inventory);
    const fake = await venue(WETH.address, USDC.address, 10n ** 20n, 10n ** 12n);
    // aavePool and morpho are what the keeper used to choose; the executor now ignores them (not in its ABI).
    const params = {
      aavePool: fake,
      morpho: fake,
      collateralAsset: WETH.address,
      debtAsset: USDC.address,
      user: keeperW.account.address,
      debtToCover: inventory,
      swapPair: fake,
      minProfit: 0n,
    };
    const r = await attempt(keeperW, "liquidateAaveMorphoFlash", [params]);
    expect(r.name).not.toBe("ok");
    expect(await allowance(USDC.address, executor, fake)).toBe(0n);
    expect(await drain(fake, USDC.address)).toBe(0n);
    expect(await balanceOf(USDC.address, executor)).toBe(inventory);
  });

  for (const [label, source] of [
    ["Morpho", FlashSource.MorphoFlashLoan],
    ["Aave", FlashSource.AaveFlashLoan],
  ] as const) {
    it(`liquidateAaveRouted with a fake ${label} lender leaves no allowance the fake could drain`, async () => {
      const { WETH, USDC } = world.tokens;
      const inventory = 50_000n * 10n ** 6n;
      await mint(USDC.address, executor, inventory);
      const fake = await venue(WETH.address, USDC.address, 10n ** 20n, 10n ** 12n);
      const params = {
        aavePool: fake,
        collateralAsset: WETH.address,
        debtAsset: USDC.address,
        user: keeperW.account.address,
        debtToCover: inventory,
        source,
        lender: fake,
        route: {
          legs: [
            {
              amountIn: 1n,
              hops: [{ kind: 0, pool: world.uniswapV2.pairs.WETH_USDC.address, tokenOut: USDC.address }],
            },
          ],
          minAmountOut: 0n,
        },
        minProfit: 0n,
      };
      const r = await attempt(keeperW, "liquidateAaveRouted", [params]);
      expect(r.name).not.toBe("ok");
      expect(await allowance(USDC.address, executor, fake)).toBe(0n);
      expect(await drain(fake, USDC.address)).toBe(0n);
      expect(await balanceOf(USDC.address, executor)).toBe(inventory);
    });
  }

  it("liquidateMorphoRouted with a fake Morpho claiming a huge repayment leaves no allowance to drain", async () => {
    const { WETH, USDC } = world.tokens;
    const inventory = 50_000n * 10n ** 6n;
    await mint(USDC.address, executor, inventory);
    const fake = await venue(WETH.address, USDC.address, 10n ** 20n, 10n ** 12n);
    const params = {
      morpho: fake,
      marketParams: world.morpho.marketParams,
      borrower: keeperW.account.address,
      seizedAssets: inventory,
      repaidShares: 0n,
      route: {
        legs: [
          { amountIn: 1n, hops: [{ kind: 0, pool: world.uniswapV2.pairs.WETH_USDC.address, tokenOut: USDC.address }] },
        ],
        minAmountOut: 0n,
      },
      minProfit: 0n,
    };
    const r = await attempt(keeperW, "liquidateMorphoRouted", [params]);
    expect(r.name).not.toBe("ok");
    expect(await allowance(USDC.address, executor, fake)).toBe(0n);
    expect(await drain(fake, USDC.address)).toBe(0n);
    expect(await balanceOf(USDC.address, executor)).toBe(inventory);
  });

  it("a route hop on a fake pair reverts UntrustedPool", async () => {
    const { WETH, USDC } = world.tokens;
    const fake = await venue(WETH.address, USDC.address, 10n ** 20n, 10n ** 12n);
    const params = {
      collateralAsset: WETH.address,
      debtAsset: USDC.address,
      user: keeperW.account.address,
      debtToCover: 1_000n * 10n ** 6n,
      source: FlashSource.UniswapV3Flash,
      lender: fake,
      route: { legs: [{ amountIn: 1n, hops: [{ kind: 0, pool: fake, tokenOut: USDC.address }] }], minAmountOut: 0n },
      minProfit: 0n,
    };
    const r = await attempt(keeperW, "liquidateAaveRouted", [params]);
    expect(r.name).toBe("UntrustedPool");
    expect(r.args).toEqual([fake]);
  });

  it("the owner's allowlist admits a venue of another factory, and only the owner may change it", async () => {
    const { WETH, USDC } = world.tokens;
    const fake = await venue(WETH.address, USDC.address, 10n ** 20n, 10n ** 12n);
    expect(await attempt(keeperW, "setTrustedPool", [fake, true])).toEqual({
      name: "NotAuthorized",
      args: [getAddress(keeperW.account.address)],
    });
    await write(ownerW, executor, abi, "setTrustedPool", [fake, true]);
    expect(await chain.public.readContract({ address: executor, abi, functionName: "trustedPool", args: [fake] })).toBe(
      true,
    );
    await write(ownerW, executor, abi, "setTrustedPool", [fake, false]);
    expect(await chain.public.readContract({ address: executor, abi, functionName: "trustedPool", args: [fake] })).toBe(
      false,
    );
  });

  it("deployed without Morpho or Aave (address(0)), their entry points revert ProtocolUnavailable", async () => {
    executor = await deployExecutor({ morpho_: zeroAddress, aavePool_: zeroAddress });
    const { WETH, USDC } = world.tokens;
    const morphoFlash = {
      collateralAsset: WETH.address,
      debtAsset: USDC.address,
      user: keeperW.account.address,
      debtToCover: 1n,
      swapPair: world.uniswapV2.pairs.WETH_USDC.address,
      minProfit: 0n,
    };
    expect((await attempt(keeperW, "liquidateAaveMorphoFlash", [morphoFlash])).name).toBe("ProtocolUnavailable");
    const v2flash = {
      flashPair: world.uniswapV2.pairs.WETH_USDC.address,
      collateralAsset: WETH.address,
      debtAsset: USDC.address,
      user: keeperW.account.address,
      debtToCover: 1n,
      swapPair: zeroAddress,
      minProfit: 0n,
    };
    expect((await attempt(keeperW, "liquidateAaveV2Flash", [v2flash])).name).toBe("ProtocolUnavailable");
  });

  it("deployed without a V2 factory, a V2 pair is refused unless the owner allowlists it", async () => {
    executor = await deployExecutor({ uniswapV2Factory_: zeroAddress });
    const { WETH, USDC } = world.tokens;
    const pair = world.uniswapV2.pairs.WETH_USDC.address;
    await mint(WETH.address, executor, WAD);
    await write(ownerW, executor, abi, "setInventoryCap", [WETH.address, WAD, WAD]);
    const params = {
      pair,
      zeroForOne: WETH.address.toLowerCase() < USDC.address.toLowerCase(),
      amountIn: 10n ** 15n,
      targetPriceX112: 1n,
      toleranceBps: 0,
      funding: Funding.Inventory,
      fundingPool: zeroAddress,
      minProfit: 0n,
    };
    expect(await attempt(keeperW, "rebalanceV2", [params])).toEqual({ name: "UntrustedPool", args: [pair] });
    await write(ownerW, executor, abi, "setTrustedPool", [pair, true]);
    // Past the venue check now: the (absurd) target is what fails.
    expect((await attempt(keeperW, "rebalanceV2", [params])).name).toBe("PriceOutOfTolerance");
  });

  // --------------------------------------------------------------------------------------------------------
  // 2. Allowances
  // --------------------------------------------------------------------------------------------------------

  it("revoke: the owner (only) can zero any allowance the executor gave", async () => {
    const { USDC } = world.tokens;
    expect((await attempt(keeperW, "revoke", [USDC.address, world.morpho.morpho])).name).toBe("NotAuthorized");
    await write(ownerW, executor, abi, "revoke", [USDC.address, world.morpho.morpho]);
    expect(await allowance(USDC.address, executor, world.morpho.morpho)).toBe(0n);
  });

  // --------------------------------------------------------------------------------------------------------
  // 3. Inventory caps
  // --------------------------------------------------------------------------------------------------------

  describe("inventory caps", () => {
    /**
     * An inventory sale of `amountIn` WETH on the world's WETH/USDC pair that goes through: the target is set so the
     * input is valued at half (or the output at double) the pair's price, with a 100% tolerance.
     */
    async function sellWeth(amountIn: bigint) {
      const { WETH, USDC } = world.tokens;
      const pair = world.uniswapV2.pairs.WETH_USDC.address;
      const [r0, r1] = await chain.public.readContract({
        address: pair,
        abi: parseAbi(["function getReserves() view returns (uint112, uint112, uint32)"]),
        functionName: "getReserves",
      });
      const price = (r1 << 112n) / r0;
      const zeroForOne = WETH.address.toLowerCase() < USDC.address.toLowerCase();
      return {
        pair,
        zeroForOne,
        amountIn,
        targetPriceX112: zeroForOne ? price / 2n : price * 2n,
        toleranceBps: 10_000,
        funding: Funding.Inventory,
        fundingPool: zeroAddress,
        minProfit: 0n,
      };
    }

    it("unset: inventory rebalances are refused (remaining 0)", async () => {
      const { WETH } = world.tokens;
      await mint(WETH.address, executor, 10n * WAD);
      expect(await attempt(keeperW, "rebalanceV2", [await sellWeth(WAD)])).toEqual({
        name: "InventoryCapExceeded",
        args: [WETH.address, WAD, 0n],
      });
    });

    it("per transaction and per day, the day window reopening after 24 hours; only the owner sets caps", async () => {
      const { WETH } = world.tokens;
      await mint(WETH.address, executor, 10n * WAD);
      expect((await attempt(keeperW, "setInventoryCap", [WETH.address, WAD, 2n * WAD])).name).toBe("NotAuthorized");
      await write(ownerW, executor, abi, "setInventoryCap", [WETH.address, WAD, 2n * WAD]);

      expect(await attempt(keeperW, "rebalanceV2", [await sellWeth(WAD + 1n)])).toEqual({
        name: "InventoryCapExceeded",
        args: [WETH.address, WAD + 1n, WAD],
      });
      expect((await attempt(keeperW, "rebalanceV2", [await sellWeth(WAD)])).name).toBe("ok");
      expect((await attempt(keeperW, "rebalanceV2", [await sellWeth(WAD / 2n)])).name).toBe("ok");
      // Half a WETH left for the day, under the per-transaction cap.
      expect(await attempt(keeperW, "rebalanceV2", [await sellWeth(WAD)])).toEqual({
        name: "InventoryCapExceeded",
        args: [WETH.address, WAD, WAD / 2n],
      });
      expect(await balanceOf(WETH.address, executor)).toBe(10n * WAD - (3n * WAD) / 2n);

      await advanceTime(chain, Number(DAY));
      expect((await attempt(keeperW, "rebalanceV2", [await sellWeth(WAD)])).name).toBe("ok");
      expect(await balanceOf(WETH.address, executor)).toBe(10n * WAD - (5n * WAD) / 2n);
    });

    it("flash-funded rebalances are not capped", async () => {
      const { WETH } = world.tokens;
      // No cap set for WETH: a V3-flash-funded rebalance never touches inventory, so it is not refused for a cap.
      const params = {
        ...(await sellWeth(WAD)),
        funding: Funding.V3Flash,
        fundingPool: world.uniswapV3.pools.WETH_USDC_3000.address,
      };
      expect((await attempt(keeperW, "rebalanceV2", [params])).name).not.toBe("InventoryCapExceeded");
      void WETH;
    });
  });
  void DAY;
});
