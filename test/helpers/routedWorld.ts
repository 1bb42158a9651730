import type { Address } from "viem";
import type { InProcessChain } from "../../src/chain/inProcess.js";
import type { V3PoolConfig } from "../../src/protocols/uniswapV3/read.js";
import { percentDiv, percentMul } from "../../src/risk/math/percentage.js";
import { morphoLiquidationFromSeized } from "../../src/risk/morpho/liquidation.js";
import { aaveArtifacts } from "../../src/world/aave.js";
import {
  AAVE_RESERVE_CONFIG,
  createAaveBorrower,
  createMorphoBorrower,
  getPrices,
  setPrice,
  type TokenSymbol,
  type World,
} from "../../src/world/index.js";
import { send } from "../../src/world/tx.js";
import { aaveOracleAbi, aavePoolAbi, erc20Abi, morphoAbi, morphoOracleAbi } from "./abis.js";
import { PoolModelSet } from "./routes.js";

/**
 * The states the routed liquidations are tested on (as in test/contracts/keeper-executor-routes.test.ts): Morpho and
 * Aave borrowers pushed under water by a feed move while the pools lag, Aave flash loans enabled at Aave V3
 * Ethereum's premium, and the pool model that predicts what a route returns.
 */

const USD = 10n ** 8n;
/** Aave flash-loan premium set for these tests, bps (Aave V3 Ethereum's figure; the world deploys 0). */
export const AAVE_PREMIUM_BPS = 5n;

export interface RoutedWorld {
  /** The world's WETH/USDC 0.3% V3 pool, as the V3 pool reader and the model take it. */
  pool3000: V3PoolConfig;
  balanceOf(token: Address, who: Address): Promise<bigint>;
  /** Morpho position of `user` in the world's market: [supplyShares, borrowShares, collateral]. */
  morphoPosition(user: Address): Promise<readonly [bigint, bigint, bigint]>;
  /** `n` Morpho WETH/USDC borrowers at HF ~0.97 after WETH goes to $2,850 (the pools stay at $3,000). */
  underwaterMorphoBorrowers(n: number): Promise<Address[]>;
  /** Loan tokens Morpho pulls for seizing `seizedAssets` now (its liquidate arithmetic on the market's totals and oracle). */
  morphoRepaid(seizedAssets: bigint): Promise<bigint>;
  /** Aave debt of `user` in `asset` (variable debt token balance). */
  aaveDebt(user: Address, asset: Address): Promise<bigint>;
  /** Collateral Aave's LiquidationLogic sends the liquidator for `debtRepaid` (no balance cap), from its oracle. */
  aaveSeized(collateral: TokenSymbol, debt: TokenSymbol, debtRepaid: bigint): Promise<bigint>;
  /** Opens `collaterals.length` Aave USDC borrowers at today's prices, then moves the collaterals' feeds down so all are
   *  at HF ~0.97 with a 50% close factor: `debtToCover` (half the debt) is what Aave takes, `seized` what it sends for it. */
  underwaterAaveBorrowers(
    collaterals: readonly ("WETH" | "WBTC")[],
  ): Promise<{ user: Address; collateral: "WETH" | "WBTC"; debtToCover: bigint; seized: bigint }[]>;
  /** Sets Aave's flash-loan premium to AAVE_PREMIUM_BPS and lets USDC be flash-borrowed. */
  enableAaveFlashLoans(): Promise<void>;
  /** Model of the world's V2 pairs and its 0.3% V3 pool, read now. */
  loadModel(): Promise<PoolModelSet>;
}

export function routedWorld(chain: InProcessChain, world: World): RoutedWorld {
  const pool3000: V3PoolConfig = { name: "WETH_USDC_3000", ...world.uniswapV3.pools.WETH_USDC_3000 };
  const tokens = world.tokens;
  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  const morphoPosition = (user: Address) =>
    chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [world.morpho.marketId, user],
    });

  async function aaveDebt(user: Address, asset: Address) {
    const reserve = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [asset],
    });
    return balanceOf(reserve.variableDebtTokenAddress, user);
  }

  async function aaveSeized(collateral: TokenSymbol, debt: TokenSymbol, debtRepaid: bigint): Promise<bigint> {
    const price = (s: TokenSymbol) =>
      chain.public.readContract({
        address: world.aave.oracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [tokens[s].address],
      });
    const [cp, dp] = [await price(collateral), await price(debt)];
    const base =
      (dp * debtRepaid * 10n ** BigInt(tokens[collateral].decimals)) / (cp * 10n ** BigInt(tokens[debt].decimals));
    const { liquidationBonus, liquidationProtocolFee } = AAVE_RESERVE_CONFIG[collateral];
    const max = percentMul(base, BigInt(liquidationBonus));
    return max - percentMul(max - percentDiv(max, BigInt(liquidationBonus)), BigInt(liquidationProtocolFee));
  }

  return {
    pool3000,
    balanceOf,
    morphoPosition,
    async morphoRepaid(seizedAssets) {
      const [, , totalBorrowAssets, totalBorrowShares] = await chain.public.readContract({
        address: world.morpho.morpho,
        abi: morphoAbi,
        functionName: "market",
        args: [world.morpho.marketId],
      });
      const collateralPrice = await chain.public.readContract({
        address: world.morpho.oracle,
        abi: morphoOracleAbi,
        functionName: "price",
      });
      return morphoLiquidationFromSeized({
        market: { totalBorrowAssets, totalBorrowShares },
        collateralPrice,
        lltv: world.morpho.marketParams.lltv,
        seizedAssets,
      }).repaidAssets;
    },
    aaveDebt,
    aaveSeized,
    async underwaterMorphoBorrowers(n) {
      const users: Address[] = [];
      for (let i = 0; i < n; i++) {
        users.push(
          await createMorphoBorrower(chain, world, {
            collateralUsd: BigInt(20_000 + 5_000 * i) * USD,
            healthFactorBps: 10_200n,
          }),
        );
      }
      await setPrice(chain, world, "WETH", 2_850n * USD);
      return users;
    },
    async underwaterAaveBorrowers(collaterals) {
      const users: Address[] = [];
      for (const c of collaterals) {
        users.push(
          c === "WETH"
            ? await createAaveBorrower(chain, world, {
                collateral: "WETH",
                debt: "USDC",
                collateralUsd: 20_000n * USD,
                healthFactorBps: 10_500n,
              })
            : await createAaveBorrower(chain, world, {
                collateral: "WBTC",
                debt: "USDC",
                collateralUsd: 30_000n * USD,
                healthFactorBps: 10_800n,
              }),
        );
      }
      // Relative moves (WETH -7%, $3,000 -> $2,790 from the start; WBTC -10%), so that borrowers opened after
      // another feed move are under water too.
      const prices = await getPrices(chain, world);
      if (collaterals.includes("WETH")) await setPrice(chain, world, "WETH", (prices.WETH * 93n) / 100n);
      if (collaterals.includes("WBTC")) await setPrice(chain, world, "WBTC", (prices.WBTC * 90n) / 100n);
      const out = [];
      for (const [i, user] of users.entries()) {
        const collateral = collaterals[i]!;
        const debtToCover = (await aaveDebt(user, tokens.USDC.address)) / 2n;
        out.push({ user, collateral, debtToCover, seized: await aaveSeized(collateral, "USDC", debtToCover) });
      }
      return out;
    },
    async enableAaveFlashLoans() {
      const cfg = aaveArtifacts.configurator().abi;
      await send(chain, {
        address: world.aave.configurator,
        abi: cfg,
        functionName: "updateFlashloanPremium",
        args: [AAVE_PREMIUM_BPS],
      });
      await send(chain, {
        address: world.aave.configurator,
        abi: cfg,
        functionName: "setReserveFlashLoaning",
        args: [tokens.USDC.address, true],
      });
    },
    loadModel: () => PoolModelSet.load(chain, Object.values(world.uniswapV2.pairs), [pool3000]),
  };
}
