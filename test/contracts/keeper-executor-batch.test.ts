import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  decodeFunctionResult,
  getAddress,
  parseAbi,
  parseEventLogs,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  createAaveBorrower,
  deployWorld,
  getPrices,
  setPrice,
  type V2PairInfo,
  type World,
} from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { send } from "../../src/world/tx.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";

/**
 * KeeperExecutor.liquidateAaveV2FlashBatch against the real protocols (Aave V3 1.19.3, Uniswap V2 from its npm
 * build): several Aave liquidations sharing the WETH/USDC flash pair in one transaction, each checked against
 * Aave's own rules, the all-or-nothing guards, and the gas a batch saves over one transaction per liquidation.
 */

const artifact = JSON.parse(
  readFileSync(new URL("../../artifacts/contracts/KeeperExecutor.sol/KeeperExecutor.json", import.meta.url), "utf8"),
) as { abi: Abi; bytecode: Hex };
const abi = artifact.abi;

const erc20Abi = parseAbi(["function balanceOf(address) view returns (uint256)", "function mint(address,uint256)"]);
const aavePoolAbi = parseAbi([
  "function getUserAccountData(address) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)",
  "struct ReserveData { uint256 configuration; uint128 liquidityIndex; uint128 currentLiquidityRate; uint128 variableBorrowIndex; uint128 currentVariableBorrowRate; uint128 currentStableBorrowRate; uint40 lastUpdateTimestamp; uint16 id; address aTokenAddress; address stableDebtTokenAddress; address variableDebtTokenAddress; address interestRateStrategyAddress; uint128 accruedToTreasury; uint128 unbacked; uint128 isolationModeTotalDebt; }",
  "function getReserveData(address) view returns (ReserveData)",
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
]);
const v2PairAbi = parseAbi([
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
]);

const USD = 10n ** 8n;
const WAD = 10n ** 18n;
/** Aave V3 1.19: below this health factor the whole debt may be liquidated, above it half (close factor). */
const CLOSE_FACTOR_HF_THRESHOLD = 95n * 10n ** 16n;
/** World's Aave WETH reserve: liquidation bonus 105%, protocol fee 10% of the bonus. */
const WETH_LIQUIDATION_BONUS = 10_500n;
const WETH_PROTOCOL_FEE = 1_000n;

// Aave's PercentageMath (half-up rounding).
const percentMul = (value: bigint, pct: bigint) => (value * pct + 5_000n) / 10_000n;
const percentDiv = (value: bigint, pct: bigint) => (value * 10_000n + pct / 2n) / pct;

/**
 * Collateral the liquidator receives for `debtRepaid`, as Aave's LiquidationLogic computes it when the borrower
 * has enough collateral: base value plus the bonus, minus the protocol's share of the bonus.
 */
function aaveSeized(
  debtRepaid: bigint,
  debtPrice: bigint,
  debtDecimals: number,
  collateralPrice: bigint,
  collateralDecimals: number,
) {
  const base =
    (debtPrice * debtRepaid * 10n ** BigInt(collateralDecimals)) / (collateralPrice * 10n ** BigInt(debtDecimals));
  const max = percentMul(base, WETH_LIQUIDATION_BONUS);
  const bonus = max - percentDiv(max, WETH_LIQUIDATION_BONUS);
  return max - percentMul(bonus, WETH_PROTOCOL_FEE);
}

const v2Out = (x: bigint, rIn: bigint, rOut: bigint) => (x * 997n * rOut) / (rIn * 1000n + x * 997n);
function v2PriceAfter(r0: bigint, r1: bigint, zeroForOne: boolean, x: bigint): bigint {
  if (zeroForOne) return ((r1 - v2Out(x, r0, r1)) << 112n) / (r0 + x);
  return ((r1 + x) << 112n) / (r0 - v2Out(x, r1, r0));
}
/** Smallest input taking the pair's price (reserve1/reserve0, X112) to `target` or past it. */
function v2InputToPrice(r0: bigint, r1: bigint, target: bigint): { zeroForOne: boolean; amountIn: bigint } {
  const zeroForOne = (r1 << 112n) / r0 > target;
  let lo = 0n;
  let hi = (zeroForOne ? r0 : r1) * 4n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const p = v2PriceAfter(r0, r1, zeroForOne, mid);
    if (zeroForOne ? p <= target : p >= target) hi = mid;
    else lo = mid;
  }
  return { zeroForOne, amountIn: hi };
}

/**
 * Borrowers opened at WETH = $3,000 and pushed under water by WETH = $2,700 (x0.9): health factors ~0.963, ~0.981,
 * ~0.932 and ~0.972 - the third below 0.95, so Aave lets its whole debt go; the others are capped at half. (A
 * borrower cannot open below HF ~1.031 = liquidation threshold / LTV.)
 */
const BORROWERS = [
  { collateralUsd: 20_000n * USD, healthFactorBps: 10_700n },
  { collateralUsd: 15_000n * USD, healthFactorBps: 10_900n },
  { collateralUsd: 12_000n * USD, healthFactorBps: 10_350n },
  { collateralUsd: 10_000n * USD, healthFactorBps: 10_800n },
] as const;
const WETH_AFTER_DROP = 2_700n * USD;

const gasRows: {
  liquidations: number;
  "separate txs (gas, total)": number;
  "one batch (gas)": number;
  "saving (gas)": number;
  "saving %": string;
}[] = [];

afterAll(() => {
  if (gasRows.length === 0) return;
  console.log(
    "\nliquidateAaveV2Flash x N (separate transactions) vs liquidateAaveV2FlashBatch (one transaction), same fresh state,",
  );
  console.log("same WETH/USDC flash pair, whole-transaction gas (in-process Hardhat/EDR, cancun, optimizer 200 runs):");
  console.table(gasRows);
});

describe("KeeperExecutor.liquidateAaveV2FlashBatch on the real protocols", () => {
  let chain: InProcessChain;
  let world: World;
  let ownerW: InProcessChain["wallet"];
  let keeperW: InProcessChain["wallet"];
  let strangerW: InProcessChain["wallet"];
  let executor: Address;

  beforeEach(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    [, ownerW, keeperW, strangerW] = chain.accounts;
    const hash = await chain.wallet.deployContract({
      abi,
      bytecode: artifact.bytecode,
      args: [
        ownerW.account.address,
        world.aave.pool,
        world.morpho.morpho,
        world.uniswapV2.factory,
        world.uniswapV3.factory,
      ],
    } as never);
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    executor = getAddress(receipt.contractAddress!);
    await call(ownerW, "setKeeper", [keeperW.account.address]);
  });

  afterEach(async () => {
    await chain.close();
  });

  // --------------------------------------------------------------------------------------------------------
  // helpers
  // --------------------------------------------------------------------------------------------------------

  async function call(
    wallet: InProcessChain["wallet"],
    functionName: string,
    args: unknown[],
  ): Promise<TransactionReceipt> {
    const hash = await wallet.writeContract({ address: executor, abi, functionName, args } as never);
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  /** Simulates the call and returns the decoded custom error (name and args) it reverts with. */
  async function revertOf(wallet: InProcessChain["wallet"], functionName: string, args: unknown[]) {
    try {
      await chain.public.simulateContract({
        address: executor,
        abi,
        functionName,
        args,
        account: wallet.account,
      } as never);
    } catch (e) {
      const reverted = (e as { walk: (f: (x: unknown) => boolean) => unknown }).walk(
        (x) => (x as Error)?.name === "ContractFunctionRevertedError",
      ) as { data?: { errorName: string; args?: readonly unknown[] } } | null;
      if (!reverted?.data) throw new Error(`no decoded custom error in: ${String(e)}`);
      return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
    throw new Error(`${functionName} did not revert`);
  }

  /** The value the mined transaction's top call returned, read from the node's trace of it. */
  async function returnValueOf(receipt: TransactionReceipt, functionName: string): Promise<bigint> {
    const trace = (await chain.provider.request({
      method: "debug_traceTransaction",
      params: [receipt.transactionHash, { disableStack: true, disableMemory: true, disableStorage: true }],
    })) as { failed: boolean; returnValue: string };
    expect(trace.failed).toBe(false);
    const raw = trace.returnValue.startsWith("0x") ? trace.returnValue : `0x${trace.returnValue}`;
    return decodeFunctionResult({ abi, functionName, data: raw as Hex } as never) as unknown as bigint;
  }

  const executorEvents = (receipt: TransactionReceipt) =>
    (
      parseEventLogs({ abi, logs: receipt.logs, eventName: "AaveLiquidatedWithV2Flash" } as never) as unknown as {
        address: Address;
        args: Record<string, any>;
      }[]
    )
      .filter((l) => getAddress(l.address) === executor)
      .map((l) => l.args);

  const balanceOf = (token: Address, who: Address, blockNumber?: bigint) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who], blockNumber });
  const mint = (token: Address, to: Address, amount: bigint) =>
    send(chain, { address: token, abi: erc20Abi as Abi, functionName: "mint", args: [to, amount] });
  const reserves = async (pair: Address) => {
    const [r0, r1] = await chain.public.readContract({ address: pair, abi: v2PairAbi, functionName: "getReserves" });
    return [r0, r1] as const;
  };
  async function aaveDebt(user: Address, blockNumber?: bigint) {
    const reserve = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [world.tokens.USDC.address],
    });
    return balanceOf(reserve.variableDebtTokenAddress, user, blockNumber);
  }
  const healthFactor = async (user: Address) =>
    (
      await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
      })
    )[5];
  const snapshot = async () => (await chain.provider.request({ method: "evm_snapshot", params: [] })) as Hex;
  async function revertTo(id: Hex) {
    expect(await chain.provider.request({ method: "evm_revert", params: [id] })).toBe(true);
  }

  async function feedPriceX112(pair: V2PairInfo): Promise<bigint> {
    const prices = await getPrices(chain, world);
    const t0 = Object.values(world.tokens).find((t) => t.address === pair.token0)!;
    const t1 = Object.values(world.tokens).find((t) => t.address === pair.token1)!;
    const r = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
    return (r.num << 112n) / r.den;
  }

  /** Opens `n` WETH/USDC borrowers (BORROWERS) at $3,000, then drops WETH to $2,700 with the V2 pair following. */
  async function underwaterBorrowers(n: number): Promise<Address[]> {
    const users: Address[] = [];
    for (const spec of BORROWERS.slice(0, n)) {
      users.push(await createAaveBorrower(chain, world, { collateral: "WETH", debt: "USDC", ...spec }));
    }
    await setPrice(chain, world, "WETH", WETH_AFTER_DROP);
    const pair = world.uniswapV2.pairs.WETH_USDC;
    const [r0, r1] = await reserves(pair.address);
    const { zeroForOne, amountIn } = v2InputToPrice(r0, r1, await feedPriceX112(pair));
    await send(chain, {
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "swapV2",
      args: [pair.address, zeroForOne, amountIn, world.helpers.poolActor],
    });
    return users;
  }

  /** Liquidation of `user`'s USDC debt with a WETH/USDC flash swap, repaid in seized WETH; the whole debt is
   *  offered and Aave takes what its close factor allows. */
  const item = (user: Address, debtToCover: bigint, minProfit = 1n) => ({
    flashPair: world.uniswapV2.pairs.WETH_USDC.address,
    collateralAsset: world.tokens.WETH.address,
    debtAsset: world.tokens.USDC.address,
    user,
    debtToCover,
    swapPair: zeroAddress,
    minProfit,
  });

  async function items(users: Address[]) {
    return Promise.all(users.map(async (u) => item(u, await aaveDebt(u))));
  }

  // --------------------------------------------------------------------------------------------------------
  // behaviour
  // --------------------------------------------------------------------------------------------------------

  it("liquidates 3 underwater borrowers sharing the WETH/USDC pair in one transaction, each as Aave's rules say", async () => {
    const { WETH, USDC } = world.tokens;
    const users = await underwaterBorrowers(3);
    const hfBefore = await Promise.all(users.map(healthFactor));
    for (const hf of hfBefore) expect(hf).toBeLessThan(WAD);
    // Two at the 50% close factor, one below 0.95 where the whole debt may go (well clear of the threshold).
    expect(hfBefore.map((hf) => hf < CLOSE_FACTOR_HF_THRESHOLD)).toEqual([false, false, true]);
    const debtBefore = await Promise.all(users.map((u) => aaveDebt(u)));
    // Inventory the batch must leave alone: the balance invariant holds for the batch as a whole.
    const inventory = { weth: 3n * WAD, usdc: 1_234n * 10n ** 6n };
    await mint(WETH.address, executor, inventory.weth);
    await mint(USDC.address, executor, inventory.usdc);
    const ownerWethBefore = await balanceOf(WETH.address, ownerW.account.address);
    const prices = await getPrices(chain, world);

    const batch = await items(users);
    const receipt = await call(keeperW, "liquidateAaveV2FlashBatch", [batch]);

    const evs = executorEvents(receipt);
    const aaveEvs = parseEventLogs({ abi: aavePoolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    expect(evs).toHaveLength(3);
    expect(aaveEvs).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const ev = evs[i]!;
      const aaveEv = aaveEvs[i]!.args;
      // Same order as the items, and what the executor reports is what Aave did.
      expect(ev.user).toBe(users[i]);
      expect(ev.collateralAsset).toBe(WETH.address);
      expect(ev.debtAsset).toBe(USDC.address);
      expect(aaveEv.user).toBe(users[i]);
      expect(aaveEv.liquidator).toBe(executor);
      expect(ev.debtRepaid).toBe(aaveEv.debtToCover);
      expect(ev.collateralSeized).toBe(aaveEv.liquidatedCollateralAmount);

      // Aave's close factor, on the debt at the liquidation's timestamp (= repaid + what is left, to a wei of
      // scaled-balance rounding): half above HF 0.95, all of it below.
      const debtAfter = await aaveDebt(users[i]!, receipt.blockNumber);
      const debtAtLiquidation = debtAfter + ev.debtRepaid;
      expect(debtAtLiquidation).toBeGreaterThanOrEqual(debtBefore[i]!); // only interest was added since the read
      expect(debtAtLiquidation - debtBefore[i]!).toBeLessThan(1_000n);
      if (hfBefore[i]! < CLOSE_FACTOR_HF_THRESHOLD) {
        expect(debtAfter).toBeLessThanOrEqual(1n);
      } else {
        const closeFactorCap = percentMul(debtAtLiquidation, 5_000n);
        expect(ev.debtRepaid - closeFactorCap).toBeGreaterThanOrEqual(-1n);
        expect(ev.debtRepaid - closeFactorCap).toBeLessThanOrEqual(1n);
        expect(await healthFactor(users[i]!)).toBeGreaterThan(hfBefore[i]!);
      }
      // Collateral: the debt's value at the oracle plus the 5% bonus, minus the protocol's 10% of that bonus.
      expect(ev.collateralSeized).toBe(
        aaveSeized(ev.debtRepaid, prices.USDC, USDC.decimals, prices.WETH, WETH.decimals),
      );

      expect(ev.profit).toBeGreaterThan(0n);
      expect(ev.profit).toBe(ev.collateralSeized - ev.collateralToPair);
    }

    // The entry point's return value is the sum of the items' profits, and exactly that reached the owner.
    const sum = evs.reduce((s, ev) => s + (ev.profit as bigint), 0n);
    expect(await returnValueOf(receipt, "liquidateAaveV2FlashBatch")).toBe(sum);
    expect((await balanceOf(WETH.address, ownerW.account.address)) - ownerWethBefore).toBe(sum);
    expect(await balanceOf(WETH.address, executor)).toBe(inventory.weth);
    expect(await balanceOf(USDC.address, executor)).toBe(inventory.usdc);
  });

  it("an empty batch reverts EmptyBatch", async () => {
    expect(await revertOf(keeperW, "liquidateAaveV2FlashBatch", [[]])).toEqual({ name: "EmptyBatch", args: [] });
    expect(await revertOf(ownerW, "liquidateAaveV2FlashBatch", [[]])).toEqual({ name: "EmptyBatch", args: [] });
  });

  it("one item under its own floor reverts the whole batch with InsufficientProfit: the items before it are undone too", async () => {
    const { WETH, USDC } = world.tokens;
    const users = await underwaterBorrowers(3);
    const debtBefore = await Promise.all(users.map((u) => aaveDebt(u)));
    const pair = world.uniswapV2.pairs.WETH_USDC.address;
    const reservesBefore = await reserves(pair);
    const ownerWethBefore = await balanceOf(WETH.address, ownerW.account.address);
    const batch = await items(users);
    const min = 10n ** 30n;
    batch[2] = { ...batch[2]!, minProfit: min }; // the last one: the first two would succeed on their own

    const err = await revertOf(keeperW, "liquidateAaveV2FlashBatch", [batch]);
    expect(err.name).toBe("InsufficientProfit");
    expect(err.args[0] as bigint).toBeGreaterThan(0n); // what the last item would have made
    expect(err.args[1]).toBe(min);

    // Mined for real (explicit gas, no estimate): the transaction reverts and leaves every state as it was.
    const hash = await keeperW
      .writeContract({
        address: executor,
        abi,
        functionName: "liquidateAaveV2FlashBatch",
        args: [batch],
        gas: 3_000_000n,
      } as never)
      .catch((e: unknown) => {
        // Hardhat's automining node mines the reverting transaction, then throws with its hash in the cause chain.
        for (let c = e; c; c = c instanceof Error ? c.cause : undefined) {
          const h = (c as { transactionHash?: unknown }).transactionHash;
          if (typeof h === "string" && h.length === 66) return h as Hex;
        }
        throw e;
      });
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("reverted");
    expect(receipt.logs).toHaveLength(0);
    for (let i = 0; i < 3; i++) expect(await aaveDebt(users[i]!)).toBeGreaterThanOrEqual(debtBefore[i]!);
    for (const u of users) expect(await healthFactor(u)).toBeLessThan(WAD);
    expect(await reserves(pair)).toEqual(reservesBefore);
    expect(await balanceOf(WETH.address, ownerW.account.address)).toBe(ownerWethBefore);
    expect(await balanceOf(WETH.address, executor)).toBe(0n);
    expect(await balanceOf(USDC.address, executor)).toBe(0n);

    // Without the impossible floor the same batch goes through.
    batch[2] = { ...batch[2]!, minProfit: 1n };
    const ok = await call(keeperW, "liquidateAaveV2FlashBatch", [batch]);
    expect(executorEvents(ok)).toHaveLength(3);
  });

  it("only the owner or the keeper can run a batch: anyone else gets NotAuthorized", async () => {
    const users = await underwaterBorrowers(1);
    const batch = await items(users);
    const who = getAddress(strangerW.account.address);
    expect(await revertOf(strangerW, "liquidateAaveV2FlashBatch", [batch])).toEqual({
      name: "NotAuthorized",
      args: [who],
    });
    expect(await revertOf(strangerW, "liquidateAaveV2FlashBatch", [[]])).toEqual({
      name: "NotAuthorized",
      args: [who],
    });
    // The owner may, like the keeper.
    const receipt = await call(ownerW, "liquidateAaveV2FlashBatch", [batch]);
    expect(executorEvents(receipt)).toHaveLength(1);
  });

  it("a batch of one is the single liquidation: same event, same profit, to the wei", async () => {
    const [user] = await underwaterBorrowers(1);
    const params = item(user!, await aaveDebt(user!));
    const start = await snapshot();
    const single = executorEvents(await call(keeperW, "liquidateAaveV2Flash", [params]));
    await revertTo(start);
    const batched = executorEvents(await call(keeperW, "liquidateAaveV2FlashBatch", [[params]]));
    expect(batched).toEqual(single);
  });

  // --------------------------------------------------------------------------------------------------------
  // gas
  // --------------------------------------------------------------------------------------------------------

  it("gas: N liquidations sharing a funding path cost less as one batch than as N transactions (N = 1..4)", async () => {
    const { WETH } = world.tokens;
    const users = await underwaterBorrowers(4);
    const all = await items(users);
    const perItem: bigint[] = [];

    for (const n of [1, 2, 3, 4]) {
      const batch = all.slice(0, n);

      // N separate transactions, one after the other, from the fresh state.
      const fresh = await snapshot();
      let separateGas = 0n;
      let separateProfit = 0n;
      for (const p of batch) {
        const receipt = await call(keeperW, "liquidateAaveV2Flash", [p]);
        separateGas += receipt.gasUsed;
        separateProfit += executorEvents(receipt)[0]!.profit as bigint;
      }
      const separateOwner = await balanceOf(WETH.address, ownerW.account.address);

      // The same N in one batch, from the same fresh state.
      await revertTo(fresh);
      const again = await snapshot();
      const receipt = await call(keeperW, "liquidateAaveV2FlashBatch", [batch]);
      const evs = executorEvents(receipt);
      expect(evs).toHaveLength(n);
      const batchProfit = evs.reduce((sum, ev) => sum + (ev.profit as bigint), 0n);
      expect(await balanceOf(WETH.address, ownerW.account.address)).toBe(batchProfit);
      expect(separateOwner).toBe(separateProfit);
      // The same liquidations: the profits differ only by the interest of the extra blocks (a few wei of WETH).
      const diff = batchProfit > separateProfit ? batchProfit - separateProfit : separateProfit - batchProfit;
      expect(diff).toBeLessThan(batchProfit / 100_000n + 1n);

      await revertTo(again); // back to the fresh state for the next N

      if (n > 1) expect(receipt.gasUsed).toBeLessThan(separateGas);
      perItem.push(receipt.gasUsed);
      gasRows.push({
        liquidations: n,
        "separate txs (gas, total)": Number(separateGas),
        "one batch (gas)": Number(receipt.gasUsed),
        "saving (gas)": Number(separateGas - receipt.gasUsed),
        "saving %": `${(Number(((separateGas - receipt.gasUsed) * 10_000n) / separateGas) / 100).toFixed(2)}%`,
      });
    }
    // Each further item of a batch costs less than a liquidation alone.
    for (let i = 1; i < perItem.length; i++) expect(perItem[i]! - perItem[i - 1]!).toBeLessThan(perItem[0]!);
    console.log(
      `marginal gas per further batch item: ${perItem
        .slice(1)
        .map((g, i) => (g - perItem[i]!).toString())
        .join(", ")}`,
    );
  });
});
