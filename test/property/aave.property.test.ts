/**
 * Property test: src/risk's Aave V3 math against the REAL Aave V3.6 (aave-v3-origin 3.6.0, compiled here) of the
 * world.
 *
 * For N random positions (WETH or WBTC collateral, USDC debt, random size, random HF at open) pushed under HF 1
 * by a random collateral price drop into one of five regimes: HF in (0.95, 1) on a position worth $2,000+ (half
 * the debt at most); HF <= 0.95 (full close); a deep drop where the collateral balance caps the liquidation (all
 * collateral seized, the rest of the debt written off as deficit); a small position (under $2,000) closable in
 * full above HF 0.95; and a partial debtToCover that would leave under $1,000 of debt, which must revert with
 * MustNotLeaveDust (decoded by name), after which the largest dust-safe size is liquidated instead. The position
 * is read at the exact block state the liquidation runs on, sized with aaveLiquidationAmounts /
 * bestAaveLiquidation, then liquidated with the pool's own liquidationCall. Every amount must match to the wei:
 * debt repaid (LiquidationCall event and the liquidator's USDC), collateral received, the treasury's protocol fee
 * (its aToken balance), the user's balances after, and the health factor / account totals from aaveHealthFactor
 * and aaveAccountSummary against getUserAccountData.
 *
 * Interest: the state is read in a block mined at timestamp T inside an evm_snapshot, the snapshot is reverted,
 * and the liquidation is mined at the same T on the same parent, so both see the same indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, maxUint256, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import { decodeRevertData } from "../../src/executor/errors.js";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { readAaveState, type AaveReserveState } from "../../src/protocols/aaveV3/read.js";
import {
  AAVE_MIN_LEFTOVER_BASE,
  aaveAccountSummary,
  aaveDebtToCoverToSend,
  aaveDustSafeDebtToCover,
  aaveHealthFactor,
  aaveLiquidationAmounts,
  aaveValueInBase,
  bestAaveLiquidation,
  isAaveLiquidatable,
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

const N = 60;
const RAY = 10n ** 27n;
// v3.6 TokenMath: aToken balances floor, debt balances ceil; burns of debt floor, of aTokens ceil.
const rayMulFloor = (a: bigint, b: bigint) => (a * b) / RAY;
const rayMulCeil = (a: bigint, b: bigint) => (a * b + RAY - 1n) / RAY;
const rayDivFloor = (a: bigint, b: bigint) => (a * RAY) / b;
const rayDivCeil = (a: bigint, b: bigint) => (a * RAY + b - 1n) / b;
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

type Regime = "closeFactor50" | "closeFactor100" | "collateralCapped" | "smallFull" | "dust";
const REGIMES = ["closeFactor50", "closeFactor100", "collateralCapped", "smallFull", "dust"] as const;

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

  /** Revert data of an eth_call at the latest block that must revert. */
  const revertDataOf = async (to: Address, functionName: string, args: readonly unknown[]): Promise<Hex> => {
    const data = encodeFunctionData({ abi: poolAbi, functionName, args } as never);
    try {
      await chain.provider.request({
        method: "eth_call",
        params: [{ from: liquidator.account.address, to, data, gas: "0xe4e1c0" }, "latest"],
      });
    } catch (e) {
      const d = (e as { data?: unknown }).data;
      if (typeof d === "string") return d as Hex;
      if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string")
        return (d as { data: Hex }).data;
      throw e;
    }
    throw new Error(`${functionName} did not revert`);
  };

  it(`liquidationCall moves exactly what aaveLiquidationAmounts says, on ${N} random positions`, async () => {
    const prng = new Prng(SEED);
    const seen: Record<Regime, number> = {
      closeFactor50: 0,
      closeFactor100: 0,
      collateralCapped: 0,
      smallFull: 0,
      dust: 0,
    };
    let partialCover = 0;
    let dustReverts = 0;
    const { USDC } = world.tokens;

    for (let i = 0; i < N; i++) {
      const collateral: TokenSymbol = prng.chance(0.6) ? "WETH" : "WBTC";
      const cfg = AAVE_RESERVE_CONFIG[collateral];
      const regime: Regime = REGIMES[i % REGIMES.length];
      const context = `case ${i} (seed ${SEED}, ${collateral}, aimed at ${regime})`;

      // Open at today's default price, then drop the collateral price to land the HF in the regime's band.
      await setPrice(chain, world, collateral, DEFAULT_PRICES[collateral]);
      // Large positions ($8k .. $1M) for the close-factor regimes; small ones (under $2,000 after the drop) near
      // the $2,000 threshold; the dust regime anywhere from $2,500.
      const collateralUsd =
        regime === "smallFull"
          ? prng.bigint(300n, 2_000n) * 10n ** 8n
          : regime === "dust"
            ? prng.bigint(2_500n, 20_000n) * 10n ** 8n
            : prng.bigint(8_000n, 1_000_000n) * 10n ** 8n;
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
        regime === "closeFactor50" || regime === "smallFull"
          ? prng.bigint(9_520n, 9_960n)
          : regime === "closeFactor100" || regime === "dust" // dust: the whole debt is liquidatable
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
      const inputs = {
        debtReserve,
        collateralReserve: collReserve,
        variableDebt: userDebt.variableDebt,
        stableDebt: userDebt.stableDebt,
        userCollateralBalance: userColl.aTokenBalance,
        healthFactor: hf,
        totalDebtBase: accountData[1],
      };
      const maxLiquidatable = aaveLiquidationAmounts({ ...inputs, debtToCover: maxUint256 }).maxLiquidatableDebt;
      // Dust: repay all but less than $900 of the debt (the rule keeps $1,000), a partial liquidation that reverts.
      const usdcUnit = 10n ** BigInt(USDC.decimals);
      const useMax = regime !== "dust" && prng.chance(0.6);
      let debtToCover = useMax
        ? maxUint256
        : regime === "dust"
          ? userDebt.variableDebt - prng.bigint(1n, (900n * usdcUnit * 10n ** 8n) / debtReserve.priceBase)
          : prng.bigint(1n, (maxLiquidatable * 5n) / 4n);
      if (!useMax) partialCover++;
      let expected = aaveLiquidationAmounts({ ...inputs, debtToCover });
      if (regime === "dust")
        expect(expected.mustNotLeaveDust, `${context}: dust case must be predicted to revert`).toBe(true);
      // Any partial size predicted to leave dust (also a random one on a small position) must revert so.
      if (expected.mustNotLeaveDust) {
        // The pool agrees, by name: MustNotLeaveDust (a v3.6 custom error), on the state before T (the size is
        // over $100 from the boundary, far beyond the interest of those seconds).
        const data = await revertDataOf(world.aave.pool, "liquidationCall", [
          collateralAsset,
          USDC.address,
          user,
          debtToCover,
          false,
        ]);
        expect(decodeRevertData(data).errorName, context).toBe("MustNotLeaveDust");
        // The largest size that leaves $1,000 of debt and collateral, liquidated below; when none does (a debt
        // under $1,000), only the full close passes.
        const safe = aaveDustSafeDebtToCover({ ...inputs, debtToCover });
        if (safe) {
          expect(aaveLiquidationAmounts({ ...inputs, debtToCover: safe.debtToRepay + 1n }).mustNotLeaveDust).toBe(true);
          debtToCover = safe.debtToRepay;
          expected = safe;
        } else {
          debtToCover = maxUint256;
          expected = aaveLiquidationAmounts({ ...inputs, debtToCover });
        }
        dustReverts++;
      }
      expect(expected.mustNotLeaveDust, context).toBe(false);
      if (useMax) {
        const best = bestAaveLiquidation(position, state.reserves);
        expect(best, context).not.toBeNull();
        expect(best!.collateralAsset).toBe(collateralAsset);
        expect(best!.debtAsset).toBe(USDC.address);
        expect(best!.debtToRepay, context).toBe(expected.debtToRepay);
        // What the keeper sends: a full close carries the margin for interest accrued before it mines.
        expect(best!.debtToCover, context).toBe(aaveDebtToCoverToSend(expected));
        expect(best!.collateralSeized, context).toBe(expected.collateralSeized);
        expect(best!.protocolFee, context).toBe(expected.protocolFee);
      }
      if (regime === "dust") seen.dust++;
      else {
        const actualRegime: Regime = expected.collateralCapped
          ? "collateralCapped"
          : expected.closeFactor === 5_000n
            ? "closeFactor50"
            : hf > 95n * 10n ** 16n
              ? "smallFull"
              : "closeFactor100";
        seen[actualRegime]++;
      }
      // All collateral seized: v3.6 writes the rest of the debt off (deficit).
      const collateralToLiquidateBase = aaveValueInBase(expected.collateralSeized + expected.protocolFee, collReserve);
      const noCollateralLeft = collateralToLiquidateBase === accountData[0];
      // The sizing's own verdict (single collateral: its total is this reserve's value) is the same.
      expect(expected.noCollateralLeft, context).toBe(noCollateralLeft);
      expect(expected.deficit, context).toBe(noCollateralLeft ? expected.userTotalDebt - expected.debtToRepay : 0n);

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
      // The aToken / debt token move scaled amounts (v3.6 TokenMath roundings); balances are scaled x index.
      const want = {
        debtRepaidEvent: expected.debtToRepay,
        collateralEvent: expected.collateralSeized,
        debtRepaidPaid: expected.debtToRepay,
        collateralReceived: expected.collateralSeized,
        treasuryDelta:
          rayMulFloor(pre.treasuryScaled + rayDivCeil(expected.protocolFee, collIndex), collIndex) -
          rayMulFloor(pre.treasuryScaled, collIndex),
        userCollAfter: rayMulFloor(
          pre.userCollScaled -
            rayDivCeil(expected.collateralSeized, collIndex) -
            rayDivCeil(expected.protocolFee, collIndex),
          collIndex,
        ),
        userDebtAfter: noCollateralLeft
          ? 0n
          : rayMulCeil(pre.userDebtScaled - rayDivFloor(expected.debtToRepay, debtIndex), debtIndex),
      };
      expect(got, `${context}: hf ${hf}, debtToCover ${debtToCover}`).toEqual(want);
      // No interest ever accrues on WETH/WBTC supply in the world (only USDC is borrowed): the index is exactly
      // 1 ray, so the treasury's aToken delta IS the protocol fee, wei for wei.
      expect(collIndex).toBe(10n ** 27n);
      expect(got.treasuryDelta, context).toBe(expected.protocolFee);
      if (expected.collateralCapped) expect(got.userCollAfter, context).toBe(0n);
      if (!expected.collateralCapped && expected.closeFactor === 10_000n && useMax)
        expect(got.userDebtAfter, context).toBe(0n);
      // A partial liquidation leaves at least MIN_LEFTOVER_BASE of debt.
      if (got.userDebtAfter > 0n)
        expect((got.userDebtAfter * debtReserve.priceBase) / usdcUnit + 1n, context).toBeGreaterThanOrEqual(
          AAVE_MIN_LEFTOVER_BASE,
        );
    }

    if (process.env.PROPERTY_VERBOSE) console.log({ seen, partialCover, dustReverts });
    // The random cases must actually exercise every regime and both forms of debtToCover.
    expect(seen.closeFactor50).toBeGreaterThanOrEqual(5);
    expect(seen.closeFactor100).toBeGreaterThanOrEqual(5);
    expect(seen.collateralCapped).toBeGreaterThanOrEqual(5);
    expect(seen.smallFull).toBeGreaterThanOrEqual(5);
    expect(seen.dust).toBeGreaterThanOrEqual(5);
    expect(partialCover).toBeGreaterThanOrEqual(5);
  });
});
