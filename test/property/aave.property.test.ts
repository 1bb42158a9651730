/**
 * Property test: src/risk's Aave V3 math against the REAL Aave V3 (core-v3 1.19.3 artifacts) of the world.
 *
 * For N random positions (WETH or WBTC collateral, USDC debt, random size, random HF at open) pushed under HF 1
 * by a random collateral price drop into one of three regimes (HF in [0.95, 1): 50% close factor; HF < 0.95:
 * full close; a deep drop where the collateral balance caps the liquidation), the position is read at the exact
 * block state the liquidation runs on, sized with aaveLiquidationAmounts / bestAaveLiquidation, then liquidated
 * with the pool's own liquidationCall (debtToCover = max uint or a random amount). Every amount must match to
 * the wei: debt repaid (LiquidationCall event and the liquidator's USDC), collateral received, the treasury's
 * protocol fee (its aToken balance), the user's balances after, and the health factor / account totals from
 * aaveHealthFactor and aaveAccountSummary against getUserAccountData.
 *
 * Interest: the state is read in a block mined at timestamp T inside an evm_snapshot, the snapshot is reverted,
 * and the liquidation is mined at the same T on the same parent, so both see the same indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, parseAbi, parseEventLogs, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { readAaveState, type AaveReserveState } from "../../src/protocols/aaveV3/read.js";
import {
  aaveAccountSummary,
  aaveCloseFactor,
  aaveHealthFactor,
  aaveLiquidationAmounts,
  bestAaveLiquidation,
  isAaveLiquidatable,
  rayDiv,
  rayMul,
  type AaveUserPosition,
} from "../../src/risk/index.js";
import {
  AAVE_RESERVE_CONFIG,
  DEFAULT_PRICES,
  createAaveBorrower,
  deployWorld,
  minOpenHealthFactorBps,
  setPrice,
  type TokenSymbol,
  type World,
} from "../../src/world/index.js";
import { Prng } from "../unit/risk/prng.js";
import { latestTimestamp, mineBlock, revertTo, sendOk, setNextTimestamp, snapshot } from "./chain.js";

const N = 45;
const SEED = 0xaa7e;

const poolAbi = parseAbi([
  "function getUserAccountData(address) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)",
  "function getReserveNormalizedIncome(address asset) view returns (uint256)",
  "function getReserveNormalizedVariableDebt(address asset) view returns (uint256)",
  "function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken)",
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
]);
const tokenAbi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function scaledBalanceOf(address) view returns (uint256)",
  "function mint(address,uint256)",
  "function approve(address,uint256) returns (bool)",
]);

type Regime = "closeFactor50" | "closeFactor100" | "collateralCapped";

describe("Aave V3 risk math vs the real Aave V3 pool (property)", () => {
  let chain: InProcessChain;
  let world: World;
  let liquidator: InProcessChain["wallet"];

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    liquidator = chain.accounts[1];
    await sendOk(chain, chain.wallet, {
      address: world.tokens.USDC.address,
      abi: tokenAbi,
      functionName: "mint",
      args: [liquidator.account.address, 10n ** 18n],
    });
    await sendOk(chain, liquidator, {
      address: world.tokens.USDC.address,
      abi: tokenAbi,
      functionName: "approve",
      args: [world.aave.pool, maxUint256],
    });
  });

  afterAll(async () => {
    await chain?.close();
  });

  const bal = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: tokenAbi, functionName: "balanceOf", args: [who] });
  const scaled = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: tokenAbi, functionName: "scaledBalanceOf", args: [who] });

  it(`liquidationCall moves exactly what aaveLiquidationAmounts says, on ${N} random positions`, async () => {
    const prng = new Prng(SEED);
    const seen: Record<Regime, number> = { closeFactor50: 0, closeFactor100: 0, collateralCapped: 0 };
    let partialCover = 0;
    const { USDC } = world.tokens;

    for (let i = 0; i < N; i++) {
      const collateral: TokenSymbol = prng.chance(0.6) ? "WETH" : "WBTC";
      const cfg = AAVE_RESERVE_CONFIG[collateral];
      const regime: Regime = (["closeFactor50", "closeFactor100", "collateralCapped"] as const)[i % 3];
      const context = `case ${i} (seed ${SEED}, ${collateral}, aimed at ${regime})`;

      // Open at today's default price, then drop the collateral price to land the HF in the regime's band.
      await setPrice(chain, world, collateral, DEFAULT_PRICES[collateral]);
      const collateralUsd = prng.logBigint(2, 5) * 10n ** 8n; // $100 .. $1M
      const hfOpen = prng.bigint(minOpenHealthFactorBps(collateral), 16_000n);
      const user = await createAaveBorrower(chain, world, {
        collateral,
        debt: "USDC",
        collateralUsd,
        healthFactorBps: hfOpen,
      });
      // Full close with collateral left over needs HF > LT * bonus; below that the balance caps the liquidation.
      const capEdge = (BigInt(cfg.liquidationThreshold) * BigInt(cfg.liquidationBonus)) / 10_000n; // HF bps
      const targetHf =
        regime === "closeFactor50"
          ? prng.bigint(9_520n, 9_960n)
          : regime === "closeFactor100"
            ? prng.bigint(capEdge + 100n, 9_420n)
            : prng.bigint(3_000n, capEdge - 200n);
      const assetsOracleBefore = DEFAULT_PRICES[collateral];
      await setPrice(chain, world, collateral, (assetsOracleBefore * targetHf) / hfOpen);

      const collateralAsset = world.tokens[collateral].address;
      const T = (await latestTimestamp(chain)) + BigInt(prng.int(1, 6 * 3600));

      // ---- read the exact state the liquidation will run on: a block at T, then revert ----
      const snap = await snapshot(chain);
      await setNextTimestamp(chain, T);
      await mineBlock(chain);
      const state = await readAaveState(chain.public, {
        pool: world.aave.pool,
        oracle: world.aave.oracle,
        borrowers: [user],
      });
      const reserveOf = (asset: Address) => state.reserves.find((r) => r.asset === asset) as AaveReserveState;
      const collReserve = reserveOf(collateralAsset);
      const debtReserve = reserveOf(USDC.address);
      const account = state.accounts[0];
      const position = state.positions[user];
      expect(position, `${context}: readAaveState must list the user under HF 1`).toBeDefined();
      const accountData = await chain.public.readContract({
        address: world.aave.pool,
        abi: poolAbi,
        functionName: "getUserAccountData",
        args: [user],
      });
      const collIndex = await chain.public.readContract({
        address: world.aave.pool,
        abi: poolAbi,
        functionName: "getReserveNormalizedIncome",
        args: [collateralAsset],
      });
      const debtIndex = await chain.public.readContract({
        address: world.aave.pool,
        abi: poolAbi,
        functionName: "getReserveNormalizedVariableDebt",
        args: [USDC.address],
      });
      const pre = {
        userCollScaled: await scaled(collReserve.aToken, user),
        userDebtScaled: await scaled(debtReserve.variableDebtToken, user),
        treasuryScaled: await scaled(collReserve.aToken, world.deployer),
        treasuryBalance: await bal(collReserve.aToken, world.deployer),
        liqColl: await bal(collateralAsset, liquidator.account.address),
        liqUsdc: await bal(USDC.address, liquidator.account.address),
      };
      await revertTo(chain, snap);

      // ---- health factor: from the pool's totals and recomputed from per-reserve balances ----
      const hf = accountData[5];
      expect(account.healthFactor).toBe(hf);
      expect(
        aaveHealthFactor({
          totalCollateralBase: accountData[0],
          totalDebtBase: accountData[1],
          currentLiquidationThreshold: accountData[3],
        }),
        context,
      ).toBe(hf);
      const { healthFactor: _fromChain, ...balancesOnly } = position;
      const summary = aaveAccountSummary(balancesOnly as AaveUserPosition, state.reserves);
      expect(summary.totalCollateralBase, context).toBe(accountData[0]);
      expect(summary.totalDebtBase, context).toBe(accountData[1]);
      expect(summary.currentLiquidationThreshold, context).toBe(accountData[3]);
      expect(summary.ltv, context).toBe(accountData[4]);
      expect(summary.healthFactor, context).toBe(hf);
      expect(isAaveLiquidatable(hf), context).toBe(true);

      // ---- sizing ----
      const userColl = position.reserves.find((r) => r.asset === collateralAsset)!;
      const userDebt = position.reserves.find((r) => r.asset === USDC.address)!;
      const maxLiquidatable = (userDebt.variableDebt * aaveCloseFactor(hf) + 5_000n) / 10_000n;
      const useMax = prng.chance(0.6);
      const debtToCover = useMax ? maxUint256 : prng.bigint(1n, (maxLiquidatable * 5n) / 4n);
      if (!useMax) partialCover++;
      const expected = aaveLiquidationAmounts({
        debtReserve,
        collateralReserve: collReserve,
        variableDebt: userDebt.variableDebt,
        stableDebt: userDebt.stableDebt,
        userCollateralBalance: userColl.aTokenBalance,
        healthFactor: hf,
        debtToCover,
      });
      if (useMax) {
        const best = bestAaveLiquidation(position, state.reserves);
        expect(best, context).not.toBeNull();
        expect(best!.collateralAsset).toBe(collateralAsset);
        expect(best!.debtAsset).toBe(USDC.address);
        expect(best!.debtToCover, context).toBe(expected.debtToRepay);
        expect(best!.collateralSeized, context).toBe(expected.collateralSeized);
        expect(best!.protocolFee, context).toBe(expected.protocolFee);
      }
      const actualRegime: Regime = expected.collateralCapped
        ? "collateralCapped"
        : hf > 95n * 10n ** 16n
          ? "closeFactor50"
          : "closeFactor100";
      seen[actualRegime]++;

      // ---- the real liquidation, mined at T ----
      await setNextTimestamp(chain, T);
      const receipt = await sendOk(chain, liquidator, {
        address: world.aave.pool,
        abi: poolAbi,
        functionName: "liquidationCall",
        args: [collateralAsset, USDC.address, user, debtToCover, false],
      });
      expect((await chain.public.getBlock({ blockNumber: receipt.blockNumber })).timestamp).toBe(T);
      const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
      const got = {
        debtRepaidEvent: event.args.debtToCover,
        collateralEvent: event.args.liquidatedCollateralAmount,
        debtRepaidPaid: pre.liqUsdc - (await bal(USDC.address, liquidator.account.address)),
        collateralReceived: (await bal(collateralAsset, liquidator.account.address)) - pre.liqColl,
        treasuryDelta: (await bal(collReserve.aToken, world.deployer)) - pre.treasuryBalance,
        userCollAfter: await bal(collReserve.aToken, user),
        userDebtAfter: await bal(debtReserve.variableDebtToken, user),
      };
      // The aToken / debt token move scaled amounts (amount.rayDiv(index)); balances are scaled.rayMul(index).
      const want = {
        debtRepaidEvent: expected.debtToRepay,
        collateralEvent: expected.collateralSeized,
        debtRepaidPaid: expected.debtToRepay,
        collateralReceived: expected.collateralSeized,
        treasuryDelta:
          rayMul(pre.treasuryScaled + rayDiv(expected.protocolFee, collIndex), collIndex) -
          rayMul(pre.treasuryScaled, collIndex),
        userCollAfter: rayMul(
          pre.userCollScaled - rayDiv(expected.collateralSeized, collIndex) - rayDiv(expected.protocolFee, collIndex),
          collIndex,
        ),
        userDebtAfter: rayMul(pre.userDebtScaled - rayDiv(expected.debtToRepay, debtIndex), debtIndex),
      };
      expect(got, `${context}: hf ${hf}, debtToCover ${debtToCover}`).toEqual(want);
      // No interest ever accrues on WETH/WBTC supply in the world (only USDC is borrowed): the index is exactly
      // 1 ray, so the treasury's aToken delta IS the protocol fee, wei for wei.
      expect(collIndex).toBe(10n ** 27n);
      expect(got.treasuryDelta, context).toBe(expected.protocolFee);
      if (expected.collateralCapped) expect(got.userCollAfter, context).toBe(0n);
      if (!expected.collateralCapped && actualRegime === "closeFactor100" && useMax)
        expect(got.userDebtAfter, context).toBe(0n);
    }

    if (process.env.PROPERTY_VERBOSE) console.log({ seen, partialCover });
    // The random cases must actually exercise every regime and both forms of debtToCover.
    expect(seen.closeFactor50).toBeGreaterThanOrEqual(5);
    expect(seen.closeFactor100).toBeGreaterThanOrEqual(5);
    expect(seen.collateralCapped).toBeGreaterThanOrEqual(5);
    expect(partialCover).toBeGreaterThanOrEqual(5);
  });
});
