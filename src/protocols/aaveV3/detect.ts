import type { Address } from "viem";
import { FlashSource } from "../../executor/routes.js";
import { findAaveReserve } from "../../risk/aave/account.js";
import { aaveLiquidationSearch, type AaveLiquidationCandidate } from "../../risk/aave/best.js";
import {
  aaveDebtToCoverToSend,
  aaveLiquidationAmounts,
  type AaveLiquidationParams,
} from "../../risk/aave/liquidation.js";
import type { AaveReserveView, AaveUserPosition } from "../../risk/aave/types.js";
import { formatHealthFactor } from "../../risk/format.js";
import type { AaveLiquidationOpportunity } from "../../risk/opportunity.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { maximiseConcave, sizeAaveLiquidation, type FundingCost, type Venue } from "../../risk/route/index.js";
import { MAX_UINT256 } from "../../risk/math/uint.js";
import { v2GetAmountIn } from "../../risk/uniswapV2/amounts.js";
import { skip, type SkipReason } from "../../skip.js";
import { ZERO_ADDRESS, type Candidate, type Skip, type StrategyContext } from "../../strategy/types.js";
import { extraHops, routeEffects, routeVenues, saleRouteOf, venuesOf } from "../../strategy/venues.js";
import type { Snapshot } from "../../watcher/snapshot.js";

/** Extra gas of an Aave flashLoanSimple over a Morpho flash loan (measured: test/contracts/keeper-executor-routes). */
const AAVE_FLASH_EXTRA_GAS = 45_000n;
/** Extra gas of a Uniswap V3 flash over a Morpho flash loan (measured: test/contracts/keeper-executor-routes, the
 *  same V2 + V3 sale as the Aave flash figure). */
const V3_FLASH_EXTRA_GAS = 45_000n;
/** Gas of a routed Aave liquidation per hop beyond the first (measured: test/contracts/keeper-executor-routes). */
const ROUTED_GAS_PER_EXTRA_HOP = 110_000n;
/** Golden-section iterations when sizing: the objective is smooth, and 24 narrowings leave a 1e-5 bracket. */
const SIZING_ITERATIONS = 24;
/** Route chunks when sizing: coarser than a final route, 8 is within a few bps of 16 on the world's pools. */
const SIZING_SLICES = 8;

/**
 * The inputs aaveLiquidationAmounts takes for one (debt, collateral) pair of a user, without debtToCover: with its
 * eMode category (bonus) and total collateral (deficit), so every re-sizing prices the pair as the pool will.
 */
function liquidationInputs(
  position: AaveUserPosition,
  reserves: readonly AaveReserveView[],
  c: AaveLiquidationCandidate,
  totalCollateralBase: bigint,
): Omit<AaveLiquidationParams, "debtToCover"> {
  const debt = position.reserves.find((r) => r.asset === c.debtAsset)!;
  const coll = position.reserves.find((r) => r.asset === c.collateralAsset)!;
  return {
    debtReserve: findAaveReserve(reserves, c.debtAsset)!,
    collateralReserve: findAaveReserve(reserves, c.collateralAsset)!,
    variableDebt: debt.variableDebt,
    stableDebt: debt.stableDebt,
    userCollateralBalance: coll.aTokenBalance,
    healthFactor: c.healthFactor,
    totalDebtBase: c.totalDebtBase,
    totalCollateralBase,
    ...(position.eMode ? { eMode: position.eMode } : {}),
  };
}

/** A flash lender of the debt asset, and what borrowing from it costs. */
interface Lender {
  source: FlashSource;
  lender: Address;
  funding: FundingCost;
  /** The most it can lend. */
  cash: bigint;
  label: string;
  /** Gas over a Morpho-funded routed liquidation. */
  extraGas: bigint;
}

/** Every V3 pool of the snapshot holding `asset`, as a flash lender at its fee tier (up to its balance). */
function v3Lenders(snapshot: Snapshot, asset: Address): Lender[] {
  const out: Lender[] = [];
  for (const p of snapshot.v3Pools ?? []) {
    const cash = p.token0 === asset ? p.balance0 : p.token1 === asset ? p.balance1 : undefined;
    if (cash === undefined || cash === 0n) continue;
    out.push({
      source: FlashSource.UniswapV3Flash,
      lender: p.address,
      funding: { kind: "v3", fee: p.fee },
      cash,
      label: `uniswap-v3 flash ${p.name}`,
      extraGas: V3_FLASH_EXTRA_GAS,
    });
  }
  return out;
}

interface Option {
  profit: bigint;
  profitUsd: bigint;
  profitToken: { token: Address; symbol: string; decimals: number; usd8: bigint };
  gas: bigint;
  /** What the liquidation is sent with: a full close carries a margin for interest (aaveDebtToCoverToSend). */
  debtToCover: bigint;
  /** What it repays at the snapshot's balances. */
  debtRepaid: bigint;
  collateralSeized: bigint;
  protocolFee: bigint;
  source: string;
  build: (minProfit: bigint) => Candidate["action"];
  effects?: Candidate["effects"];
}

/**
 * Every Aave account under HF 1 becomes a liquidation candidate, sized for the most net profit on the exact curves
 * of the venues it trades on (a partial liquidation when impact makes the full one worth less), over each funding
 * route, and the one that nets most (after gas) is kept:
 *  - a V2 flash swap from the collateral/debt pair, repaid in collateral (getAmountIn, 0.3% inside); profit in
 *    collateral;
 *  - a flash loan of the debt asset, the seized collateral sold over the best split route across every V2 pair and
 *    V3 pool of the snapshot (two hops through WETH allowed); profit in the debt asset. Lenders: Morpho (free; a
 *    route of one direct V2 leg uses the cheaper single-pair entry point), else Aave's flashLoanSimple (the pool's
 *    premium, reserves with flash loans enabled) and every V3 pool holding the debt asset (its fee tier, up to its
 *    balance, the pool itself left out of the sale).
 * Accounts with no route, or whose best size does not pay, are skipped with the reason.
 */
export function findAaveLiquidations(
  snapshot: Snapshot,
  ctx: StrategyContext,
): { candidates: Candidate[]; skipped: Skip[] } {
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  const aave = snapshot.aave;
  if (!aave || !ctx.aavePool) return { candidates, skipped };
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };
  let venues: Venue[] | undefined;

  for (const account of aave.accounts) {
    const position = aave.positions[account.user];
    if (!position) continue;
    const id = `aave-v3:${account.user}`;
    const context = { borrower: account.user, healthFactor: formatHealthFactor(account.healthFactor) };
    let best: (Option & { c: AaveLiquidationCandidate }) | undefined;
    /** The best net (after gas) of each collateral/debt pair that had a way to fund it: the choice's reason. */
    const pairNets: { c: AaveLiquidationCandidate; net: bigint }[] = [];
    // The pool's own checks first (paused reserve, grace period, ...): a pair it would revert is never sent. The call
    // lands in a later block: the grace period is checked against the earliest timestamp it can have.
    const search = aaveLiquidationSearch(position, aave.reserves, {
      timestamp: snapshot.timestamp + 1n,
      borrower: account.user,
    });
    const refusal = search.refused[0];
    let lastReason: SkipReason = refusal
      ? skip("not-liquidatable", `Aave v3.6 would revert with ${refusal.error}: ${refusal.reason}`, {
          // A pause or a grace period ends by the clock or governance, not by the account: look again next block.
          deterministic: !(
            refusal.error === "ReservePaused" || refusal.error === "LiquidationGraceSentinelCheckFailed"
          ),
        })
      : skip("not-liquidatable", "no liquidatable debt/collateral pair");
    for (const c of search.candidates) {
      const collPrice = snapshot.prices[c.collateralAsset];
      const debtPrice = snapshot.prices[c.debtAsset];
      if (!collPrice || !debtPrice) {
        lastReason = skip("no-funding", `no reference price for ${collPrice ? c.debtAsset : c.collateralAsset}`);
        continue;
      }
      const inputs = liquidationInputs(position, aave.reserves, c, account.totalCollateralBase);
      const options: Option[] = [];

      // Route 1: V2 flash swap from the collateral/debt pair, repaid in collateral.
      const pair = ctx.v2Pairs.find(
        (p) =>
          (p.token0 === c.debtAsset && p.token1 === c.collateralAsset) ||
          (p.token1 === c.debtAsset && p.token0 === c.collateralAsset),
      );
      const pairState = pair && (snapshot.v2Pairs ?? []).find((p) => p.address === pair.address);
      if (pair && pairState) {
        const debtIs0 = pair.token0 === c.debtAsset;
        const rDebt = debtIs0 ? pairState.reserve0 : pairState.reserve1;
        const rColl = debtIs0 ? pairState.reserve1 : pairState.reserve0;
        const at = (d: bigint) => {
          const a = aaveLiquidationAmounts({ ...inputs, debtToCover: d });
          if (a.revert !== null || a.debtToRepay <= 0n || aaveDebtToCoverToSend(a) >= rDebt) return undefined;
          return { a, profit: a.collateralSeized - v2GetAmountIn(a.debtToRepay, rColl, rDebt) };
        };
        const search = maximiseConcave((d) => at(d)?.profit, 1n, c.debtToRepay, {
          iterations: SIZING_ITERATIONS,
          topShortcut: true,
        });
        const r = search.value !== undefined ? at(search.x) : undefined;
        if (r && r.profit > 0n) {
          const common = {
            aavePool: ctx.aavePool,
            collateralAsset: c.collateralAsset,
            debtAsset: c.debtAsset,
            user: account.user,
            debtToCover: aaveDebtToCoverToSend(r.a),
          };
          options.push({
            profit: r.profit,
            profitUsd: tokenAmountToUsd(r.profit, collPrice.decimals, collPrice.usd8),
            profitToken: collPrice,
            gas: ctx.gas.aaveV2Flash + c.extraGas,
            debtToCover: common.debtToCover,
            debtRepaid: r.a.debtToRepay,
            collateralSeized: r.a.collateralSeized,
            protocolFee: r.a.protocolFee,
            source: `uniswap-v2 flash swap ${pair.name}`,
            build: (minProfit) => ({
              kind: "liquidateAaveV2Flash",
              params: { ...common, flashPair: pair.address, swapPair: ZERO_ADDRESS, minProfit },
            }),
          });
        } else if (c.debtToRepay >= rDebt)
          lastReason = skip("no-funding", `debt to repay ${c.debtToRepay} exceeds the pair's liquidity`);
        else
          lastReason = skip(
            "not-profitable",
            `no size of the liquidation repays the flash swap (best ${r?.profit ?? 0n} collateral units)`,
          );
      } else
        lastReason = skip(
          "no-funding",
          `no Uniswap V2 pair to flash-borrow ${c.debtAsset} against ${c.collateralAsset}`,
        );

      // Routes 2 to 4: a flash loan of the debt asset (Morpho's, free, while it holds enough; else Aave's own
      // flashLoanSimple at the pool's premium, or a Uniswap V3 pool's flash at its fee tier), the collateral sold
      // over the best split route.
      const morphoCash = ctx.morpho ? (snapshot.morphoLiquidity?.[c.debtAsset] ?? 0n) : 0n;
      const lenders: Lender[] = [];
      if (ctx.morpho && morphoCash > 0n)
        lenders.push({
          source: FlashSource.MorphoFlashLoan,
          lender: ctx.morpho,
          funding: { kind: "free" },
          cash: morphoCash,
          label: "morpho flash loan",
          extraGas: 0n,
        });
      // Aave lends only assets whose reserve has flash loans enabled (else FLASHLOAN_DISABLED, "91").
      if (
        aave.flashLoanPremiumBps !== undefined &&
        aave.reserves.find((r) => r.asset === c.debtAsset)?.flashLoanEnabled
      ) {
        lenders.push({
          source: FlashSource.AaveFlashLoan,
          lender: ctx.aavePool,
          funding: { kind: "aave", premiumBps: aave.flashLoanPremiumBps },
          cash: MAX_UINT256,
          label: "aave flash loan",
          extraGas: AAVE_FLASH_EXTRA_GAS,
        });
      }
      lenders.push(...v3Lenders(snapshot, c.debtAsset));
      for (const l of lenders) {
        venues ??= venuesOf(snapshot);
        // A V3 pool is locked while it lends: the sale cannot trade on it.
        const saleVenues =
          l.source === FlashSource.UniswapV3Flash ? venues.filter((v) => v.address !== l.lender) : venues;
        const sized = sizeAaveLiquidation({
          liquidation: inputs,
          venues: saleVenues,
          funding: l.funding,
          route: { hubs: [ctx.wethToken], slices: SIZING_SLICES },
          iterations: SIZING_ITERATIONS,
          topShortcut: true,
        });
        if (!sized || sized.profitDebtUnits <= 0n || sized.debtToCover > l.cash) continue;
        const route = sized.route;
        const used = routeVenues(route);
        // A Morpho-funded sale on one V2 pair has its own, cheaper entry point.
        const direct =
          l.source === FlashSource.MorphoFlashLoan &&
          route.legs.length === 1 &&
          route.legs[0].path.length === 1 &&
          venues.find((v) => v.address === used[0])?.kind === "v2";
        const common = {
          aavePool: ctx.aavePool,
          collateralAsset: c.collateralAsset,
          debtAsset: c.debtAsset,
          user: account.user,
          debtToCover: sized.debtToCover,
        };
        options.push({
          profit: sized.profitDebtUnits,
          profitUsd: tokenAmountToUsd(sized.profitDebtUnits, debtPrice.decimals, debtPrice.usd8),
          profitToken: debtPrice,
          gas: ctx.gas.aaveMorphoFlash + l.extraGas + c.extraGas + BigInt(extraHops(route)) * ROUTED_GAS_PER_EXTRA_HOP,
          debtToCover: sized.debtToCover,
          debtRepaid: sized.repaid,
          collateralSeized: sized.collateralSeized,
          protocolFee: sized.amounts.protocolFee,
          source: direct
            ? `${l.label}, collateral sold on V2 ${used[0]}`
            : `${l.label}, collateral sold over ${route.legs.length} leg(s) on ${used.length} pool(s)`,
          build: (minProfit) =>
            direct
              ? {
                  kind: "liquidateAaveMorphoFlash",
                  params: { ...common, morpho: l.lender, swapPair: used[0], minProfit },
                }
              : {
                  kind: "liquidateAaveRouted",
                  params: {
                    ...common,
                    source: l.source,
                    lender: l.lender,
                    route: saleRouteOf(route, saleVenues, sized.repaid),
                    minProfit,
                  },
                },
          effects: routeEffects(route),
        });
        // Morpho's loan is free and leaves every venue to the sale: when it can lend, no other lender nets more.
        if (l.source === FlashSource.MorphoFlashLoan) break;
      }

      let pairBest: bigint | undefined;
      for (const o of options) {
        const net = o.profitUsd - gasCostUsd(o.gas, gasMarket);
        if (pairBest === undefined || net > pairBest) pairBest = net;
        if (!best || net > best.profitUsd - gasCostUsd(best.gas, gasMarket)) best = { ...o, c };
      }
      if (pairBest !== undefined) pairNets.push({ c, net: pairBest });
    }
    if (!best) {
      skipped.push({ id, protocol: "aave-v3", skip: lastReason, context });
      continue;
    }
    // On-chain floor: the liquidation must at least pay for its gas plus the configured minimum, in the profit token.
    const floorUsd = gasCostUsd(best.gas, gasMarket) + ctx.minProfitUsd;
    const minProfit = (floorUsd * 10n ** BigInt(best.profitToken.decimals)) / best.profitToken.usd8;
    const opportunity: AaveLiquidationOpportunity = {
      id,
      kind: "liquidation",
      protocol: "aave-v3",
      expectedProfit: {
        token: best.profitToken.token,
        symbol: best.profitToken.symbol,
        decimals: best.profitToken.decimals,
        amount: best.profit,
      },
      expectedProfitUsd: best.profitUsd,
      gasEstimate: best.gas,
      funding: { source: best.source, feeUsd: 0n, includedInProfit: true },
      details: {
        user: account.user,
        debtAsset: best.c.debtAsset,
        collateralAsset: best.c.collateralAsset,
        debtToCover: best.debtToCover,
        debtRepaid: best.debtRepaid,
        collateralSeized: best.collateralSeized,
        protocolFee: best.protocolFee,
        healthFactor: account.healthFactor,
      },
    };
    const partial = best.debtRepaid < best.c.debtToRepay;
    candidates.push({
      opportunity,
      action: best.build(minProfit),
      context: {
        ...context,
        closeFactor: `${Number(best.c.closeFactor) / 100}%`,
        expectedProfit: formatUsd(best.profitUsd),
        ...(position.eMode && position.eMode.id !== 0
          ? { eMode: `${position.eMode.label || "category"} (${position.eMode.id})` }
          : {}),
        ...(pairNets.length > 1 ? { choice: pairChoice(pairNets, snapshot) } : {}),
        ...(partial
          ? {
              size: `partial: ${best.debtRepaid} of ${best.c.debtToRepay} (the rest would cost more in impact than it earns)`,
            }
          : {}),
      },
      ...(best.effects ? { effects: best.effects } : {}),
    });
  }
  return { candidates, skipped };
}

/**
 * Why this collateral and debt: every pair that could be funded, best first, with what it nets after gas and the
 * bonus it is seized at (an eMode category's bonus applies to its own collateral only).
 */
function pairChoice(pairs: { c: AaveLiquidationCandidate; net: bigint }[], snapshot: Snapshot): string {
  const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
  const bonus = (bps: bigint) => `${Number(bps - 10_000n) / 100}%`;
  const ranked = [...pairs].sort((a, b) => (a.net === b.net ? 0 : a.net > b.net ? -1 : 1));
  return ranked
    .map(
      ({ c, net }, i) =>
        `${i === 0 ? "chose " : ""}${sym(c.collateralAsset)}/${sym(c.debtAsset)} nets ${formatUsd(net)} at a ${bonus(c.liquidationBonus)} bonus`,
    )
    .join("; over ");
}
