/**
 * Property test: src/risk's Aave math against the REAL Aave v3.6 pool of the world, for users in eMode and with
 * several collaterals and debts.
 *
 * The test configures, through the world's PoolConfigurator (the deployer is pool admin), an eMode category with
 * WETH and WBTC as collateral (high LTV / LT, low bonus) and USDC and WETH borrowable. Each random case (in its own
 * evm_snapshot, reverted after) opens a position from a fresh account: one to three collaterals (WETH, WBTC, USDC;
 * USDC is outside the category's collateral bitmap, so it keeps its own LT and bonus), in the category or not, one or
 * two debts (USDC, WETH), from $200 to $400k each, borrowed up to a random share of what the pool allows. A price
 * shock (collateral not borrowed down, debt not held up), solved with our own aaveAccountSummary, puts the health factor in a random band under 1. The position is read
 * with readAaveState at the block the liquidation runs in; then:
 *  - aaveAccountSummary (eMode LT and LTV per the bitmaps) must equal getUserAccountData to the wei;
 *  - one random (debt, collateral) pair is liquidated with a random debtToCover (the maximum, a random partial size,
 *    or a size crafted to leave dust): the predicted revert (MustNotLeaveDust) must be the pool's, by name; otherwise
 *    the debt repaid, collateral received, treasury fee, the user's balances after and, when no collateral is left,
 *    every DeficitCreated amount (the rest of this debt and every other debt, burnt) must match to the wei.
 * Separate cases: a paused reserve (ReservePaused), the grace period after unpausing (LiquidationGraceSentinelCheck
 * Failed), both predicted by aaveLiquidationSearch from the reserves readAaveState read and confirmed by the pool's
 * revert, then a frozen reserve (liquidated normally; v3.6 puts it in the category's ltvzero bitmap, which the read
 * and the summary must follow); a liquidation that leaves no collateral (the rest of its debt and the user's other
 * debt burnt, DeficitCreated amounts predicted, the extra gas measured); and an eMode-only collateral (threshold 0
 * outside the category, the way LSTs are listed) liquidated at the category's bonus. v3.6 keeps such a user from
 * leaving eMode (InvalidCollateralInEmode), so collateral counted at threshold 0 cannot be reached on the pool: its
 * outcome (PercentageMathRevert with a protocol fee, nothing seized without) is unit-tested only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, maxUint256, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { decodeRevertData } from "../../src/executor/errors.js";
import { readAaveState, type AaveReserveState, type AaveState } from "../../src/protocols/aaveV3/read.js";
import {
  AAVE_BAD_DEBT_GAS_PER_RESERVE,
  aaveAccountSummary,
  aaveDustSafeDebtToCover,
  aaveLiquidationAmounts,
  aaveLiquidationSearch,
  type AaveLiquidationAmounts,
  type AaveUserPosition,
} from "../../src/risk/index.js";
import { aaveCollateralTransfers, aaveVTokenBalance, aaveVTokenScaledBurn } from "../../src/risk/aave/tokenMath.js";
import { DEFAULT_PRICES, deployWorld, setPrice, type TokenSymbol, type World } from "../../src/world/index.js";
import { Prng } from "../unit/risk/prng.js";
import { latestTimestamp, mineBlock, revertTo, rpc, sendOk, setNextTimestamp, snapshot } from "./chain.js";

const N = Number(process.env.AAVE_EMODE_CASES ?? 64);
const SEED = 0xe30de;

/** The category the test configures: WETH and WBTC as collateral, USDC and WETH borrowable. */
// Id 7: a category of its own, whatever categories the world lists.
const EMODE = { id: 7, ltv: 9_000, liquidationThreshold: 9_300, liquidationBonus: 10_300, label: "ETH-BTC test" };

const poolAbi = parseAbi([
  "function getUserAccountData(address) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)",
  "function getReserveNormalizedIncome(address asset) view returns (uint256)",
  "function getReserveNormalizedVariableDebt(address asset) view returns (uint256)",
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
  "function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)",
  "function setUserEMode(uint8 categoryId)",
  "function withdraw(address asset, uint256 amount, address to) returns (uint256)",
  "function getUserEMode(address user) view returns (uint256)",
  "function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken)",
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
  "event DeficitCreated(address indexed user, address indexed debtAsset, uint256 amountCreated)",
]);
const configuratorAbi = parseAbi([
  "function setEModeCategory(uint8 categoryId, uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus, string label)",
  "function setAssetCollateralInEMode(address asset, uint8 categoryId, bool collateral)",
  "function setAssetBorrowableInEMode(address asset, uint8 categoryId, bool borrowable)",
  "function setReservePause(address asset, bool paused, uint40 gracePeriod)",
  "function setReserveFreeze(address asset, bool freeze)",
  "function configureReserveAsCollateral(address asset, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus)",
]);
const tokenAbi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function scaledBalanceOf(address) view returns (uint256)",
  "function mint(address,uint256)",
  "function approve(address,uint256) returns (bool)",
]);

type Wallet = InProcessChain["wallet"];
const SYMBOLS: readonly TokenSymbol[] = ["WETH", "WBTC", "USDC"];

describe("Aave v3.6 eMode and multi-asset liquidations vs the real pool (property)", () => {
  let chain: InProcessChain;
  let world: World;
  let liquidator: Wallet;
  let borrower: Wallet;

  const send = (from: Wallet, address: Address, abi: any, functionName: string, args: readonly unknown[]) =>
    sendOk(chain, from, { address, abi, functionName, args });
  const read = <T>(address: Address, abi: any, functionName: string, args: readonly unknown[]) =>
    chain.public.readContract({ address, abi, functionName, args }) as Promise<T>;
  const bal = (token: Address, who: Address) => read<bigint>(token, tokenAbi, "balanceOf", [who]);
  const scaled = (token: Address, who: Address) => read<bigint>(token, tokenAbi, "scaledBalanceOf", [who]);

  /** The custom error an eth_call of liquidationCall reverts with, at the latest block. */
  const liquidationRevert = async (args: readonly unknown[]): Promise<string> => {
    const data = encodeFunctionData({ abi: poolAbi, functionName: "liquidationCall", args } as never);
    try {
      await rpc(chain, "eth_call", [{ from: liquidator.account.address, to: world.aave.pool, data, gas: "0xe4e1c0" }]);
    } catch (e) {
      const d = (e as { data?: unknown }).data;
      const hex = typeof d === "string" ? d : (d as { data?: string } | undefined)?.data;
      if (typeof hex === "string") return decodeRevertData(hex as Hex).errorName;
      throw e;
    }
    return "no revert";
  };

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    liquidator = chain.accounts[1];
    borrower = chain.accounts[2];
    const cfg = (fn: string, args: readonly unknown[]) =>
      send(chain.wallet, world.aave.configurator, configuratorAbi, fn, args);
    await cfg("setEModeCategory", [
      EMODE.id,
      EMODE.ltv,
      EMODE.liquidationThreshold,
      EMODE.liquidationBonus,
      EMODE.label,
    ]);
    for (const s of ["WETH", "WBTC"] as const)
      await cfg("setAssetCollateralInEMode", [world.tokens[s].address, EMODE.id, true]);
    for (const s of ["USDC", "WETH"] as const)
      await cfg("setAssetBorrowableInEMode", [world.tokens[s].address, EMODE.id, true]);
    for (const s of SYMBOLS) {
      const t = world.tokens[s].address;
      for (const who of [liquidator, borrower]) {
        await send(chain.wallet, t, tokenAbi, "mint", [who.account.address, 10n ** 30n]);
        await send(who, t, tokenAbi, "approve", [world.aave.pool, maxUint256]);
      }
    }
  });

  afterAll(async () => {
    await chain?.close();
  });

  /** Reads the market at a block mined at `T` (then reverted): what a liquidation mined at `T` sees. */
  async function readAt(T: bigint, user: Address, assets: readonly Address[]) {
    const snap = await snapshot(chain);
    await setNextTimestamp(chain, T);
    await mineBlock(chain);
    const state = await readAaveState(chain.public, {
      pool: world.aave.pool,
      oracle: world.aave.oracle,
      borrowers: [user],
    });
    const accountData = await read<readonly bigint[]>(world.aave.pool, poolAbi, "getUserAccountData", [user]);
    const reserves = state.reserves as AaveReserveState[];
    const scaledOf: Record<string, { a: bigint; v: bigint; aIndex: bigint; vIndex: bigint; treasury: bigint }> = {};
    for (const asset of assets) {
      const r = reserves.find((x) => x.asset === asset)!;
      scaledOf[asset] = {
        a: await scaled(r.aToken, user),
        v: await scaled(r.variableDebtToken, user),
        aIndex: await read<bigint>(world.aave.pool, poolAbi, "getReserveNormalizedIncome", [asset]),
        vIndex: await read<bigint>(world.aave.pool, poolAbi, "getReserveNormalizedVariableDebt", [asset]),
        treasury: await scaled(r.aToken, world.deployer),
      };
    }
    return { state, accountData, scaledOf, snap };
  }

  /** The summary of `position` must be getUserAccountData, to the wei. */
  function expectSummary(
    position: AaveUserPosition,
    state: AaveState,
    accountData: readonly bigint[],
    context: string,
  ) {
    const { healthFactor: _hf, ...balancesOnly } = position;
    const summary = aaveAccountSummary(balancesOnly, state.reserves);
    expect(
      {
        totalCollateralBase: summary.totalCollateralBase,
        totalDebtBase: summary.totalDebtBase,
        currentLiquidationThreshold: summary.currentLiquidationThreshold,
        ltv: summary.ltv,
        healthFactor: summary.healthFactor,
      },
      context,
    ).toEqual({
      totalCollateralBase: accountData[0],
      totalDebtBase: accountData[1],
      currentLiquidationThreshold: accountData[3],
      ltv: accountData[4],
      healthFactor: accountData[5],
    });
    return summary;
  }

  /** Opens a random position for `borrower`; returns its collaterals and debts. */
  async function openPosition(prng: Prng, inEMode: boolean) {
    const user = borrower.account.address;
    const shuffled = [...SYMBOLS].sort(() => prng.nextU32() - 2 ** 31);
    const collaterals = shuffled.slice(0, prng.int(1, 3));
    const debtChoices: TokenSymbol[] = ["USDC", "WETH"];
    const debts = prng.chance(0.4) ? debtChoices : [debtChoices[prng.chance(0.7) ? 0 : 1]];
    // A price shock needs a collateral that is not also borrowed: WBTC never is.
    if (collaterals.every((s) => debts.includes(s))) collaterals.push("WBTC");
    if (inEMode) await send(borrower, world.aave.pool, poolAbi, "setUserEMode", [EMODE.id]);
    for (const s of collaterals) {
      const usd = prng.chance(0.25) ? prng.bigint(200n, 2_500n) : prng.bigint(2_500n, 400_000n);
      const amount = (usd * 10n ** 8n * 10n ** BigInt(world.tokens[s].decimals)) / DEFAULT_PRICES[s];
      await send(borrower, world.aave.pool, poolAbi, "supply", [world.tokens[s].address, amount, user, 0]);
    }
    const data = await read<readonly bigint[]>(world.aave.pool, poolAbi, "getUserAccountData", [user]);
    const share = prng.bigint(6_000n, 9_900n);
    const budget = (data[2] * share) / 10_000n;
    const weights = debts.map(() => prng.bigint(1n, 100n));
    const total = weights.reduce((a, b) => a + b, 0n);
    for (const [k, s] of debts.entries()) {
      const amount = (((budget * weights[k]) / total) * 10n ** BigInt(world.tokens[s].decimals)) / DEFAULT_PRICES[s];
      if (amount > 0n)
        await send(borrower, world.aave.pool, poolAbi, "borrow", [world.tokens[s].address, amount, 2, 0, user]);
    }
    return { collaterals, debts };
  }

  /** Assets whose price falls by a factor f (collateral not borrowed), and those that rise by 1/f (debt not held). */
  interface Shock {
    down: readonly Address[];
    up: readonly Address[];
  }
  const ONE = 10n ** 9n;
  const shockedPrice = (asset: Address, price: bigint, shock: Shock, f: bigint) =>
    shock.down.includes(asset) ? (price * f) / ONE : shock.up.includes(asset) ? (price * ONE) / f : price;

  /**
   * The factor f (1e9 = unchanged) the prices of `shock.down` take, and 1/f those of `shock.up`, for the position's
   * health factor to fall to `targetHf` (wad), by bisection on our own summary (the health factor rises with f).
   */
  function solveShock(position: AaveUserPosition, state: AaveState, shock: Shock, targetHf: bigint) {
    const hfAt = (f: bigint) =>
      aaveAccountSummary(
        position,
        state.reserves.map((r) => ({ ...r, priceBase: shockedPrice(r.asset, r.priceBase, shock, f) })),
      ).healthFactor;
    const shocked = shock.down;
    // Prices stay above 0 (the oracle refuses a zero answer); undefined when no shock reaches the target.
    let lo = state.reserves
      .filter((r) => shocked.includes(r.asset))
      .reduce((m, r) => (ONE / r.priceBase + 1n > m ? ONE / r.priceBase + 1n : m), 1n);
    if (hfAt(lo) >= targetHf) return undefined;
    let hi = ONE;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (hfAt(mid) >= targetHf) hi = mid;
      else lo = mid;
    }
    return lo;
  }

  it(`liquidationCall moves exactly what the eMode-aware math says, on ${N} random multi-asset positions`, async () => {
    const prng = new Prng(SEED);
    const seen = { eMode: 0, plain: 0, multiCollateral: 0, multiDebt: 0, capped: 0, deficit: 0, badDebtOthers: 0 };
    const reverts = { MustNotLeaveDust: 0 };
    const sizes = { max: 0, partial: 0, dustCrafted: 0 };
    let feeCapped = 0;
    let skipped = 0;

    for (let i = 0; i < N; i++) {
      const outer = await snapshot(chain);
      const inEMode = prng.chance(0.75);
      const { collaterals, debts } = await openPosition(prng, inEMode);
      const user = borrower.account.address;
      const context = `case ${i} (seed ${SEED}, ${inEMode ? "eMode" : "no eMode"}, ${collaterals.join("+")} / ${debts.join("+")})`;

      // Shock: collateral that is not borrowed loses value, debt that is not held gains.
      const shock: Shock = {
        down: collaterals.filter((s) => !debts.includes(s)).map((s) => world.tokens[s].address),
        up: debts.filter((s) => !collaterals.includes(s)).map((s) => world.tokens[s].address),
      };
      const band = prng.int(0, 2);
      const targetHf =
        band === 0
          ? prng.bigint(955n, 998n) * 10n ** 15n
          : band === 1
            ? prng.bigint(750n, 950n) * 10n ** 15n
            : prng.bigint(300n, 750n) * 10n ** 15n;
      {
        // The open position's balances as the pure math needs them (read at the latest state, HF over 1).
        const { state } = await (async () => {
          const snap = await snapshot(chain);
          await mineBlock(chain);
          const s = await readAaveState(chain.public, {
            pool: world.aave.pool,
            oracle: world.aave.oracle,
            borrowers: [user],
          });
          await revertTo(chain, snap);
          return { state: s };
        })();
        const details = await detailsOf(state, user);
        const f = solveShock(details, state, shock, targetHf);
        if (f === undefined) {
          skipped++;
          await revertTo(chain, outer);
          continue;
        }
        for (const s of SYMBOLS) {
          const r = state.reserves.find((x) => x.asset === world.tokens[s].address)!;
          const price = shockedPrice(r.asset, r.priceBase, shock, f);
          if (price !== r.priceBase) await setPrice(chain, world, s, price);
        }
      }

      const T = (await latestTimestamp(chain)) + BigInt(prng.int(1, 3600));
      const assets = SYMBOLS.map((s) => world.tokens[s].address);
      const at = await readAt(T, user, assets);
      const position = at.state.positions[user];
      if (!position) {
        // Rounding left the health factor at 1 or above: nothing to liquidate.
        skipped++;
        if (process.env.PROPERTY_VERBOSE) console.log(context, "not under HF 1", at.accountData[5], targetHf);
        await revertTo(chain, outer);
        continue;
      }
      expect(position.eMode?.id ?? 0, context).toBe(inEMode ? EMODE.id : 0);
      const summary = expectSummary(position, at.state, at.accountData, context);
      const hf = at.accountData[5];

      // A random pair, and a random size.
      const debtRows = position.reserves.filter((r) => r.variableDebt > 0n);
      const collRows = position.reserves.filter((r) => r.aTokenBalance > 0n && r.usageAsCollateralEnabled);
      const debt = debtRows[prng.int(0, debtRows.length - 1)];
      const coll = collRows[prng.int(0, collRows.length - 1)];
      const reserveOf = (asset: Address) => at.state.reserves.find((r) => r.asset === asset) as AaveReserveState;
      const debtReserve = reserveOf(debt.asset);
      const collReserve = reserveOf(coll.asset);
      const inputs = {
        debtReserve,
        collateralReserve: collReserve,
        variableDebt: debt.variableDebt,
        stableDebt: 0n,
        userCollateralBalance: coll.aTokenBalance,
        healthFactor: hf,
        totalDebtBase: summary.totalDebtBase,
        totalCollateralBase: summary.totalCollateralBase,
        ...(position.eMode ? { eMode: position.eMode } : {}),
      };
      const top = aaveLiquidationAmounts({ ...inputs, debtToCover: maxUint256 });
      const debtUnit = 10n ** BigInt(debtReserve.decimals);
      const debtUsd = (debt.variableDebt * debtReserve.priceBase) / debtUnit;
      const mode = prng.int(0, 9);
      let debtToCover: bigint;
      const fullClose = top.maxLiquidatableDebt === debt.variableDebt && !top.collateralCapped;
      if (mode >= 7 && fullClose && debtUsd > 1_100n * 10n ** 8n) {
        // All but $100-$900 of the debt: a partial liquidation that must revert with MustNotLeaveDust.
        debtToCover = debt.variableDebt - (prng.bigint(100n, 900n) * 10n ** 8n * debtUnit) / debtReserve.priceBase;
        sizes.dustCrafted++;
      } else if (mode >= 4) {
        debtToCover = prng.bigint(1n, (top.maxLiquidatableDebt * 5n) / 4n);
        sizes.partial++;
      } else {
        debtToCover = maxUint256;
        sizes.max++;
      }
      let expected: AaveLiquidationAmounts = aaveLiquidationAmounts({ ...inputs, debtToCover });
      if (expected.revert !== null) {
        expect(expected.revert, context).toBe("MustNotLeaveDust");
        // At the block of T (still in readAt's snapshot): the pool reverts by that name.
        expect(await liquidationRevert([coll.asset, debt.asset, user, debtToCover, false]), context).toBe(
          "MustNotLeaveDust",
        );
        reverts.MustNotLeaveDust++;
        const safe = aaveDustSafeDebtToCover({ ...inputs, debtToCover });
        debtToCover = safe ? safe.debtToRepay : maxUint256;
        expected = safe ?? aaveLiquidationAmounts({ ...inputs, debtToCover });
      }
      expect(expected.revert, context).toBeNull();
      // The search sizes the same pair the same way at its maximum.
      if (debtToCover === maxUint256) {
        const found = aaveLiquidationSearch(position, at.state.reserves).candidates.find(
          (c) => c.debtAsset === debt.asset && c.collateralAsset === coll.asset,
        );
        if (!expected.mustNotLeaveDust && expected.collateralSeized > 0n) {
          expect(found?.debtToRepay, context).toBe(expected.debtToRepay);
          expect(found?.collateralSeized, context).toBe(expected.collateralSeized);
        }
      }
      await revertTo(chain, at.snap);

      // ---- the real liquidation, mined at T ----
      const liq = liquidator.account.address;
      const pre = {
        debt: await bal(debt.asset, liq),
        coll: await bal(coll.asset, liq),
      };
      await setNextTimestamp(chain, T);
      const receipt = await send(liquidator, world.aave.pool, poolAbi, "liquidationCall", [
        coll.asset,
        debt.asset,
        user,
        debtToCover,
        false,
      ]);
      const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
      const deficits = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "DeficitCreated" });
      const sc = at.scaledOf;
      const cIdx = sc[coll.asset].aIndex;
      // v3.6 caps the fee's scaled amount at what the borrower has left (1-wei index imprecision): aaveCollateralTransfers.
      const moved = aaveCollateralTransfers({
        collateralSeized: expected.collateralSeized,
        protocolFee: expected.protocolFee,
        userCollateralScaled: sc[coll.asset].a,
        liquidityIndex: cIdx,
      });
      if (moved.protocolFeeCapped) feeCapped++;
      const same = coll.asset === debt.asset;
      const got = {
        debtRepaidEvent: event.args.debtToCover,
        collateralEvent: event.args.liquidatedCollateralAmount,
        liquidatorNet: same
          ? (await bal(debt.asset, liq)) - pre.debt
          : [pre.debt - (await bal(debt.asset, liq)), (await bal(coll.asset, liq)) - pre.coll],
        treasuryScaled: await scaled(collReserve.aToken, world.deployer),
        userCollScaled: await scaled(collReserve.aToken, user),
        userDebts: await Promise.all(debtRows.map((r) => bal(reserveOf(r.asset).variableDebtToken, user))),
        deficits: deficits.map((d) => [d.args.debtAsset, d.args.amountCreated]),
      };
      const want = {
        debtRepaidEvent: expected.debtToRepay,
        collateralEvent: expected.collateralSeized,
        liquidatorNet: same
          ? expected.collateralSeized - expected.debtToRepay
          : [expected.debtToRepay, expected.collateralSeized],
        treasuryScaled: sc[coll.asset].treasury + moved.protocolFeeScaled,
        userCollScaled: moved.userScaledAfter,
        userDebts: debtRows.map((r) => {
          if (expected.noCollateralLeft) return 0n;
          const s = sc[r.asset];
          const left = r.asset === debt.asset ? s.v - aaveVTokenScaledBurn(expected.debtToRepay, s.vIndex) : s.v;
          return aaveVTokenBalance(left, s.vIndex);
        }),
        // Deficit: the rest of the liquidated debt, then every other debt in full, in reserve order.
        deficits: expected.noCollateralLeft
          ? [
              ...(expected.deficit > 0n ? [[debt.asset, expected.deficit]] : []),
              ...debtRows
                .filter((r) => r.asset !== debt.asset)
                .sort((a, b) => reserveOf(a.asset).id - reserveOf(b.asset).id)
                .map((r) => [r.asset, r.variableDebt]),
            ]
          : [],
      };
      expect(got, `${context}: hf ${hf}, debtToCover ${debtToCover}`).toEqual(want);

      if (inEMode) seen.eMode++;
      else seen.plain++;
      if (collRows.length > 1) seen.multiCollateral++;
      if (debtRows.length > 1) seen.multiDebt++;
      if (expected.collateralCapped) seen.capped++;
      if (expected.noCollateralLeft) seen.deficit++;
      if (expected.noCollateralLeft && debtRows.length > 1) seen.badDebtOthers++;
      await revertTo(chain, outer);
    }
    console.log("aave eMode property:", { cases: N, skipped, seen, reverts, sizes, feeCapped });
    expect(seen.eMode).toBeGreaterThanOrEqual(N / 3);
    expect(seen.multiCollateral).toBeGreaterThanOrEqual(5);
    expect(seen.multiDebt).toBeGreaterThanOrEqual(5);
    expect(seen.capped).toBeGreaterThanOrEqual(3);
    expect(reverts.MustNotLeaveDust).toBeGreaterThanOrEqual(2);
  });

  /** Supplies `usd` of each collateral (after entering the category when asked) and borrows `usd` of each debt. */
  async function openFixed(
    collateral: Partial<Record<TokenSymbol, bigint>>,
    debt: Partial<Record<TokenSymbol, bigint>>,
    inEMode: boolean,
  ) {
    const user = borrower.account.address;
    if (inEMode) await send(borrower, world.aave.pool, poolAbi, "setUserEMode", [EMODE.id]);
    const amountOf = (s: TokenSymbol, usd: bigint) =>
      (usd * 10n ** 8n * 10n ** BigInt(world.tokens[s].decimals)) / DEFAULT_PRICES[s];
    for (const [s, usd] of Object.entries(collateral) as [TokenSymbol, bigint][])
      await send(borrower, world.aave.pool, poolAbi, "supply", [world.tokens[s].address, amountOf(s, usd), user, 0]);
    for (const [s, usd] of Object.entries(debt) as [TokenSymbol, bigint][])
      await send(borrower, world.aave.pool, poolAbi, "borrow", [world.tokens[s].address, amountOf(s, usd), 2, 0, user]);
  }

  it("predicts ReservePaused and the grace period's revert, liquidates a frozen reserve's collateral, reads ltvzero", async () => {
    const outer = await snapshot(chain);
    const user = borrower.account.address;
    const cfg = (fn: string, args: readonly unknown[]) =>
      send(chain.wallet, world.aave.configurator, configuratorAbi, fn, args);
    const { WETH, WBTC, USDC } = world.tokens;
    // eMode: $30k WBTC + $10k WETH at LT 93% back $34k of USDC; WBTC -20% puts HF near 0.86.
    await openFixed({ WBTC: 30_000n, WETH: 10_000n }, { USDC: 34_000n }, true);
    await setPrice(chain, world, "WBTC", (DEFAULT_PRICES.WBTC * 80n) / 100n);
    const readNow = async () => {
      await mineBlock(chain);
      const state = await readAaveState(chain.public, {
        pool: world.aave.pool,
        oracle: world.aave.oracle,
        borrowers: [user],
      });
      const next = (await latestTimestamp(chain)) + 1n;
      return { state, next, position: state.positions[user]! };
    };
    const args = [WBTC.address, USDC.address, user, maxUint256, false] as const;

    // Paused collateral: every pair on WBTC is refused with ReservePaused, and so is the call.
    await cfg("setReservePause", [WBTC.address, true, 0]);
    let now = await readNow();
    expect(now.state.reserves.find((r) => r.asset === WBTC.address)?.paused).toBe(true);
    let search = aaveLiquidationSearch(now.position, now.state.reserves, { timestamp: now.next, borrower: user });
    expect(search.refused.find((r) => r.collateralAsset === WBTC.address)?.error).toBe("ReservePaused");
    expect(await liquidationRevert(args)).toBe("ReservePaused");

    // Unpaused with a one-hour grace period: refused with LiquidationGraceSentinelCheckFailed until it ends.
    await cfg("setReservePause", [WBTC.address, false, 3_600]);
    now = await readNow();
    const until = now.state.reserves.find((r) => r.asset === WBTC.address)!.liquidationGracePeriodUntil;
    expect(until).toBeGreaterThan(now.next);
    search = aaveLiquidationSearch(now.position, now.state.reserves, { timestamp: now.next, borrower: user });
    expect(search.refused.find((r) => r.collateralAsset === WBTC.address)?.error).toBe(
      "LiquidationGraceSentinelCheckFailed",
    );
    // Only WBTC is in its grace period: WETH collateral stays liquidatable.
    expect(search.candidates.map((c) => c.collateralAsset)).toEqual([WETH.address]);
    expect(await liquidationRevert(args)).toBe("LiquidationGraceSentinelCheckFailed");

    // Frozen WETH: v3.6 puts it in the category's ltvzero bitmap (LTV 0, LT and bonus kept); the summary follows.
    await cfg("setReserveFreeze", [WETH.address, true]);
    const T = until + 1n;
    const at = await readAt(T, user, [WBTC.address]);
    const wethId = at.state.reserves.find((r) => r.asset === WETH.address)!.id;
    const category = at.state.eModeCategories!.find((c) => c.id === EMODE.id)!;
    expect((category.ltvzeroBitmap >> BigInt(wethId)) & 1n).toBe(1n);
    expect(at.state.reserves.find((r) => r.asset === WETH.address)?.frozen).toBe(true);
    const position = at.state.positions[user]!;
    const summary = expectSummary(position, at.state, at.accountData, "frozen WETH in eMode");
    expect(summary.hasZeroLtvCollateral).toBe(true);
    // Past the grace period nothing is refused; the WBTC/USDC pair is sized at the category's bonus.
    search = aaveLiquidationSearch(position, at.state.reserves, { timestamp: T, borrower: user });
    expect(search.refused).toEqual([]);
    const pair = search.candidates.find((c) => c.collateralAsset === WBTC.address)!;
    expect(pair.liquidationBonus).toBe(BigInt(EMODE.liquidationBonus));
    await revertTo(chain, at.snap);
    await setNextTimestamp(chain, T);
    const receipt = await send(liquidator, world.aave.pool, poolAbi, "liquidationCall", [
      WBTC.address,
      USDC.address,
      user,
      pair.debtToCover,
      false,
    ]);
    const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    expect([event.args.debtToCover, event.args.liquidatedCollateralAmount]).toEqual([
      pair.debtToRepay,
      pair.collateralSeized,
    ]);
    await revertTo(chain, outer);
  });

  it("a small eMode position: the full close factor, MustNotLeaveDust predicted and confirmed, the dust-safe size exact", async () => {
    const outer = await snapshot(chain);
    const user = borrower.account.address;
    const { WETH, USDC } = world.tokens;
    // Under $2,000 on both sides: 100% closable above HF 0.95; -9% puts HF near 0.98, above the cap edge (LT x bonus).
    await openFixed({ WETH: 1_800n }, { USDC: 1_550n }, true);
    await setPrice(chain, world, "WETH", (DEFAULT_PRICES.WETH * 91n) / 100n);
    const T = (await latestTimestamp(chain)) + 30n;
    const at = await readAt(T, user, [WETH.address, USDC.address]);
    const position = at.state.positions[user]!;
    const summary = expectSummary(position, at.state, at.accountData, "small eMode position");
    const debt = position.reserves.find((r) => r.asset === USDC.address)!;
    const coll = position.reserves.find((r) => r.asset === WETH.address)!;
    const inputs = {
      debtReserve: at.state.reserves.find((r) => r.asset === USDC.address)!,
      collateralReserve: at.state.reserves.find((r) => r.asset === WETH.address)!,
      variableDebt: debt.variableDebt,
      stableDebt: 0n,
      userCollateralBalance: coll.aTokenBalance,
      healthFactor: at.accountData[5],
      totalDebtBase: summary.totalDebtBase,
      totalCollateralBase: summary.totalCollateralBase,
      eMode: position.eMode!,
    };
    const top = aaveLiquidationAmounts({ ...inputs, debtToCover: maxUint256 });
    expect([top.closeFactor, top.collateralCapped, top.debtToRepay]).toEqual([10_000n, false, debt.variableDebt]);
    // All but $500 of the debt: a partial close leaving under $1,000.
    const dusty = debt.variableDebt - 500n * 10n ** 6n;
    expect(aaveLiquidationAmounts({ ...inputs, debtToCover: dusty }).revert).toBe("MustNotLeaveDust");
    expect(await liquidationRevert([WETH.address, USDC.address, user, dusty, false])).toBe("MustNotLeaveDust");
    const safe = aaveDustSafeDebtToCover({ ...inputs, debtToCover: dusty })!;
    expect(aaveLiquidationAmounts({ ...inputs, debtToCover: safe.debtToRepay + 1n }).revert).toBe("MustNotLeaveDust");
    await revertTo(chain, at.snap);
    await setNextTimestamp(chain, T);
    const receipt = await send(liquidator, world.aave.pool, poolAbi, "liquidationCall", [
      WETH.address,
      USDC.address,
      user,
      safe.debtToRepay,
      false,
    ]);
    const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    expect([event.args.debtToCover, event.args.liquidatedCollateralAmount]).toEqual([
      safe.debtToRepay,
      safe.collateralSeized,
    ]);
    await revertTo(chain, outer);
  });

  it("predicts the deficit: no collateral left burns the rest of this debt and every other debt", async () => {
    const outer = await snapshot(chain);
    const user = borrower.account.address;
    const { WBTC, USDC, WETH } = world.tokens;
    // WBTC at -45% is worth $11k: repaying the USDC debt ($12k) takes all of it, leaving the WETH debt unbacked.
    await openFixed({ WBTC: 20_000n }, { USDC: 12_000n, WETH: 5_000n }, true);
    await setPrice(chain, world, "WBTC", (DEFAULT_PRICES.WBTC * 55n) / 100n);
    const T = (await latestTimestamp(chain)) + 60n;
    const at = await readAt(T, user, [WBTC.address, USDC.address, WETH.address]);
    const position = at.state.positions[user]!;
    expectSummary(position, at.state, at.accountData, "deficit case");
    const best = aaveLiquidationSearch(position, at.state.reserves, { timestamp: T }).candidates.find(
      (c) => c.debtAsset === USDC.address,
    )!;
    expect(best.noCollateralLeft).toBe(true);
    const wethDebt = position.reserves.find((r) => r.asset === WETH.address)!.variableDebt;
    expect(best.badDebtWrittenOff).toEqual([{ asset: WETH.address, amount: wethDebt }]);
    await revertTo(chain, at.snap);
    await setNextTimestamp(chain, T);
    const receipt = await send(liquidator, world.aave.pool, poolAbi, "liquidationCall", [
      WBTC.address,
      USDC.address,
      user,
      best.debtToCover,
      false,
    ]);
    const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    const deficits = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "DeficitCreated" });
    expect([event.args.debtToCover, event.args.liquidatedCollateralAmount]).toEqual([
      best.debtToRepay,
      best.collateralSeized,
    ]);
    expect(deficits.map((d) => [d.args.debtAsset, d.args.amountCreated])).toEqual([
      [USDC.address, best.deficit],
      [WETH.address, wethDebt],
    ]);
    for (const r of at.state.reserves) expect(await bal(r.variableDebtToken, user)).toBe(0n);
    await revertTo(chain, outer);

    // The same liquidation without the WETH debt: the difference is the gas of burning one more debt reserve.
    const alone = await snapshot(chain);
    await openFixed({ WBTC: 20_000n }, { USDC: 12_000n }, true);
    await setPrice(chain, world, "WBTC", (DEFAULT_PRICES.WBTC * 55n) / 100n);
    await setNextTimestamp(chain, T);
    const single = await send(liquidator, world.aave.pool, poolAbi, "liquidationCall", [
      WBTC.address,
      USDC.address,
      user,
      maxUint256,
      false,
    ]);
    expect(parseEventLogs({ abi: poolAbi, logs: single.logs, eventName: "DeficitCreated" })).toHaveLength(1);
    const extra = receipt.gasUsed - single.gasUsed;
    console.log("aave deficit liquidation gas:", { twoDebts: receipt.gasUsed, oneDebt: single.gasUsed, extra });
    // The keeper's allowance per extra debt burnt covers what the pool spends on it.
    expect(extra).toBeGreaterThan(0n);
    expect(extra).toBeLessThanOrEqual(AAVE_BAD_DEBT_GAS_PER_RESERVE);
    await revertTo(chain, alone);
  });

  it("an eMode-only collateral (threshold 0 outside the category) is liquidated at the category's bonus", async () => {
    const outer = await snapshot(chain);
    const user = borrower.account.address;
    const { WBTC, USDC } = world.tokens;
    const cfg = (fn: string, args: readonly unknown[]) =>
      send(chain.wallet, world.aave.configurator, configuratorAbi, fn, args);
    // WBTC becomes an eMode-only collateral (an LST's usual listing): threshold 0 needs the reserve empty first.
    await send(chain.wallet, world.aave.pool, poolAbi, "withdraw", [WBTC.address, maxUint256, world.deployer]);
    await cfg("configureReserveAsCollateral", [WBTC.address, 0, 0, 0]);
    // $30k of it in eMode backs $26k (LTV 90%); -10% puts HF at 0.97.
    await openFixed({ WBTC: 30_000n }, { USDC: 26_000n }, true);
    await setPrice(chain, world, "WBTC", (DEFAULT_PRICES.WBTC * 90n) / 100n);
    // v3.6 keeps such a user in eMode: outside it the collateral would count at threshold 0 (and bonus 0, which
    // with a protocol fee makes liquidationCall revert in percentDiv: modelled as PercentageMathRevert, unit-tested).
    const data = encodeFunctionData({ abi: poolAbi, functionName: "setUserEMode", args: [0] });
    const leave = await rpc(chain, "eth_call", [{ from: user, to: world.aave.pool, data, gas: "0xe4e1c0" }]).then(
      () => "no revert",
      (e: { data?: unknown }) =>
        decodeRevertData((typeof e.data === "string" ? e.data : (e.data as { data: string }).data) as Hex).errorName,
    );
    expect(leave).toBe("InvalidCollateralInEmode");
    const T = (await latestTimestamp(chain)) + 30n;
    const at = await readAt(T, user, [WBTC.address]);
    const position = at.state.positions[user]!;
    expect(at.state.reserves.find((r) => r.asset === WBTC.address)?.liquidationThreshold).toBe(0n);
    expectSummary(position, at.state, at.accountData, "eMode-only collateral");
    // Outside its category the same balances would have no threshold at all.
    const { eMode: _e, ...outside } = position;
    expect(aaveAccountSummary({ reserves: outside.reserves }, at.state.reserves).healthFactor).toBe(0n);
    const best = aaveLiquidationSearch(position, at.state.reserves, { timestamp: T }).candidates[0]!;
    expect([best.collateralAsset, best.liquidationBonus]).toEqual([WBTC.address, BigInt(EMODE.liquidationBonus)]);
    await revertTo(chain, at.snap);
    await setNextTimestamp(chain, T);
    const receipt = await send(liquidator, world.aave.pool, poolAbi, "liquidationCall", [
      WBTC.address,
      USDC.address,
      user,
      best.debtToCover,
      false,
    ]);
    const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    expect([event.args.debtToCover, event.args.liquidatedCollateralAmount]).toEqual([
      best.debtToRepay,
      best.collateralSeized,
    ]);
    await revertTo(chain, outer);
  });

  /** The account's per-reserve details at the latest block (it may be healthy: readAaveState lists only HF < 1). */
  async function detailsOf(state: AaveState, user: Address): Promise<AaveUserPosition> {
    const reserves = [];
    for (const r of state.reserves as AaveReserveState[]) {
      const a = await bal(r.aToken, user);
      const v = await bal(r.variableDebtToken, user);
      if (a > 0n || v > 0n)
        reserves.push({
          asset: r.asset,
          aTokenBalance: a,
          variableDebt: v,
          stableDebt: 0n,
          usageAsCollateralEnabled: a > 0n,
        });
    }
    // The account may be healthy: readAaveState reads the category of accounts under HF 1 only.
    const id = Number(await read<bigint>(world.aave.pool, poolAbi, "getUserEMode", [user]));
    const eMode = state.eModeCategories?.find((c) => c.id === id);
    return { reserves, ...(eMode ? { eMode } : {}) };
  }
});
