import { beforeEach, describe, expect, it } from "vitest";
import { maxUint256, parseEventLogs, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  AAVE_RESERVE_CONFIG,
  createAaveBorrower,
  createMorphoBorrower,
  deployWorld,
  setPrice,
  type World,
} from "../../src/world/index.js";
import { aaveOracleAbi, aavePoolAbi, erc20Abi, morphoAbi, morphoOracleAbi } from "../helpers/abis.js";

const WAD = 10n ** 18n;
const percentMul = (v: bigint, p: bigint) => (v * p + 5_000n) / 10_000n;
const percentDiv = (v: bigint, p: bigint) => (v * 10_000n + p / 2n) / p;

/**
 * Proves the Aave V3 and Morpho Blue of the world are the real protocols: positions pushed under water by a feed
 * move are liquidated with the protocols' own entry points, and the balances move exactly as their rules say.
 */
describe("real protocol liquidations in the world", () => {
  let chain: InProcessChain;
  let world: World;
  let liquidator: InProcessChain["wallet"];

  beforeEach(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    liquidator = chain.accounts[1];
  });

  async function fund(token: Address, spender: Address, amount: bigint) {
    await chain.wallet.writeContract({
      address: token,
      abi: erc20Abi,
      functionName: "mint",
      args: [liquidator.account.address, amount],
    });
    const h = await liquidator.writeContract({
      address: token,
      abi: erc20Abi,
      functionName: "approve",
      args: [spender, maxUint256],
    });
    await chain.public.waitForTransactionReceipt({ hash: h });
  }

  async function aaveLiquidation(hfBps: bigint, priceAfter: bigint) {
    const { WETH, USDC } = world.tokens;
    const user = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 20_000n * 10n ** 8n,
      healthFactorBps: hfBps,
    });
    await setPrice(chain, world, "WETH", priceAfter);
    const data = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [user],
    });
    const hfBefore = data[5];
    const reserve = (asset: Address) =>
      chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getReserveData",
        args: [asset],
      });
    const debtToken = (await reserve(USDC.address)).variableDebtTokenAddress;
    const aToken = (await reserve(WETH.address)).aTokenAddress;
    await fund(USDC.address, world.aave.pool, 10n ** 12n);
    const wethBefore = await chain.public.readContract({
      address: WETH.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [liquidator.account.address],
    });
    const treasuryBefore = await chain.public.readContract({
      address: aToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [world.deployer],
    });
    const hash = await liquidator.writeContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "liquidationCall",
      args: [WETH.address, USDC.address, user, maxUint256, false],
    });
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const [event] = parseEventLogs({ abi: aavePoolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    // automine: "latest" is the liquidation block until the next transaction, so these reads see its state.
    const at = {};
    const debtAfter = await chain.public.readContract({
      address: debtToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [user],
      ...at,
    });
    const wethGot =
      (await chain.public.readContract({
        address: WETH.address,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [liquidator.account.address],
        ...at,
      })) - wethBefore;
    const treasuryGot =
      (await chain.public.readContract({
        address: aToken,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [world.deployer],
        ...at,
      })) - treasuryBefore;
    const prices = {
      WETH: await chain.public.readContract({
        address: world.aave.oracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [WETH.address],
      }),
      USDC: await chain.public.readContract({
        address: world.aave.oracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [USDC.address],
      }),
    };
    return { user, hfBefore, event: event.args, debtAfter, wethGot, treasuryGot, prices };
  }

  function expectedCollateral(repaid: bigint, prices: { WETH: bigint; USDC: bigint }) {
    const cfg = AAVE_RESERVE_CONFIG.WETH;
    const base = (prices.USDC * repaid * 10n ** 18n) / (prices.WETH * 10n ** 6n);
    const withBonus = percentMul(base, BigInt(cfg.liquidationBonus));
    const bonusPart = withBonus - percentDiv(withBonus, BigInt(cfg.liquidationBonus));
    const fee = percentMul(bonusPart, BigInt(cfg.liquidationProtocolFee));
    return { toLiquidator: withBonus - fee, fee };
  }

  it("Aave V3: HF in [0.95, 1) -> 50% close factor, bonus and protocol fee as LiquidationLogic computes", async () => {
    // open at HF 1.05, then ETH 3000 -> 2790 (-7%): HF ~0.9765
    const r = await aaveLiquidation(10_500n, 2_790n * 10n ** 8n);
    expect(r.hfBefore).toBeLessThan(WAD);
    expect(r.hfBefore).toBeGreaterThanOrEqual((95n * WAD) / 100n);
    const repaid = r.event.debtToCover;
    const debtAtLiquidation = repaid + r.debtAfter;
    // v3.6: half of the total debt in base (rounded up), converted back to USDC (floored). The debt at the
    // liquidation is rebuilt from the balance after it, which v3.6 rounds up: one wei of slack (the property test
    // reads the exact debt before and checks to the wei).
    const debtBase = (debtAtLiquidation * r.prices.USDC + 10n ** 6n - 1n) / 10n ** 6n;
    const half = (percentMul(debtBase, 5_000n) * 10n ** 6n) / r.prices.USDC;
    expect(half - repaid >= 0n && half - repaid <= 1n, `repaid ${repaid}, half ${half}`).toBe(true);
    const exp = expectedCollateral(repaid, r.prices);
    expect(r.wethGot).toBe(exp.toLiquidator);
    expect(r.event.liquidatedCollateralAmount).toBe(exp.toLiquidator);
    expect(r.treasuryGot).toBe(exp.fee);
  });

  it("Aave V3: HF below 0.95 -> 100% close factor, the whole debt is repaid", async () => {
    // open at HF 1.05, then ETH 3000 -> 2550 (-15%): HF ~0.8925
    const r = await aaveLiquidation(10_500n, 2_550n * 10n ** 8n);
    expect(r.hfBefore).toBeLessThan((95n * WAD) / 100n);
    expect(r.debtAfter).toBe(0n);
    const exp = expectedCollateral(r.event.debtToCover, r.prices);
    expect(r.wethGot).toBe(exp.toLiquidator);
    expect(r.treasuryGot).toBe(exp.fee);
  });

  it("Aave V3: a healthy position cannot be liquidated", async () => {
    const user = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 10_000n * 10n ** 8n,
      healthFactorBps: 12_000n,
    });
    await fund(world.tokens.USDC.address, world.aave.pool, 10n ** 12n);
    await expect(
      liquidator.writeContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "liquidationCall",
        args: [world.tokens.WETH.address, world.tokens.USDC.address, user, maxUint256, false],
      }),
    ).rejects.toThrow(/45|HEALTH_FACTOR_NOT_BELOW_THRESHOLD|reverted/);
  });

  it("Morpho Blue: a position past LLTV is liquidated with liquidate(), seized collateral per Morpho's incentive", async () => {
    const { WETH, USDC } = world.tokens;
    const id = world.morpho.marketId;
    const user = await createMorphoBorrower(chain, world, {
      collateralUsd: 20_000n * 10n ** 8n,
      healthFactorBps: 10_200n,
    });
    await setPrice(chain, world, "WETH", 2_850n * 10n ** 8n); // -5%: HF ~0.969
    const [, borrowShares, collateral] = await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [id, user],
    });
    const m = await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "market",
      args: [id],
    });
    const price = await chain.public.readContract({
      address: world.morpho.oracle,
      abi: morphoOracleAbi,
      functionName: "price",
    });
    const borrowed = (BigInt(borrowShares) * (m[2] + 1n) + (m[3] + 1_000_000n) - 1n) / (m[3] + 1_000_000n);
    const maxBorrow = (((BigInt(collateral) * price) / 10n ** 36n) * world.morpho.marketParams.lltv) / WAD;
    expect(borrowed).toBeGreaterThan(maxBorrow);

    await fund(USDC.address, world.morpho.morpho, 10n ** 12n);
    const usdcBefore = await chain.public.readContract({
      address: USDC.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [liquidator.account.address],
    });
    const hash = await liquidator.writeContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "liquidate",
      args: [world.morpho.marketParams, user, 0n, BigInt(borrowShares), "0x"],
    });
    expect((await chain.public.waitForTransactionReceipt({ hash })).status).toBe("success");

    // Morpho's own formula (Morpho.sol liquidate, repaidShares branch), no interest (IRM = 0):
    const lif = (() => {
      const cursor = (3n * WAD) / 10n;
      const denom = WAD - (cursor * (WAD - world.morpho.marketParams.lltv)) / WAD;
      const f = (WAD * WAD) / denom;
      return f < (115n * WAD) / 100n ? f : (115n * WAD) / 100n;
    })();
    const repaidAssets = (BigInt(borrowShares) * (m[2] + 1n) + (m[3] + 1_000_000n) - 1n) / (m[3] + 1_000_000n);
    const seizedQuoted = (BigInt(borrowShares) * (m[2] + 1n)) / (m[3] + 1_000_000n);
    const seized = (((seizedQuoted * lif) / WAD) * 10n ** 36n) / price;
    const [, sharesAfter, collateralAfter] = await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [id, user],
    });
    expect(sharesAfter).toBe(0n);
    expect(BigInt(collateral) - BigInt(collateralAfter)).toBe(seized);
    const wethGot = await chain.public.readContract({
      address: WETH.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [liquidator.account.address],
    });
    expect(wethGot).toBe(seized);
    const usdcAfter = await chain.public.readContract({
      address: USDC.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [liquidator.account.address],
    });
    expect(usdcBefore - usdcAfter).toBe(repaidAssets);
  });
});
