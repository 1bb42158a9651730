/**
 * The world's seeded borrower spreads: what kinds of positions a world holds and at which health factors. Pure, so
 * tests and benchmarks can rebuild the specs a world was opened with.
 */
import { AAVE_EMODES, liquidationThresholdBps } from "./aave.js";
import type { AaveBorrowerSpec, MorphoBorrowerSpec } from "./borrowers.js";
import { minOpenHealthFactorBps } from "./borrowers.js";
import { MORPHO_MARKETS } from "./morpho.js";
import { seededRandom } from "./random.js";
import type { TokenSymbol } from "./types.js";

/**
 * Kinds of Aave borrowers: "simple" (one collateral, USDC debt: the original world's borrowers), "multi" (several
 * collaterals and several debts), "emode" (wstETH in the ETH-correlated category, WETH debt), "small" (under
 * $2,000 of collateral) and "dust" (debt near v3.6's dust limit: MIN_LEFTOVER_BASE is $1,000, so a liquidation of a
 * debt under about $2,000 must take it all).
 */
export type AaveBorrowerKind = "simple" | "multi" | "emode" | "small" | "dust";

/** Every ten borrowers: six simple ones, then one of each other kind. */
const KIND_CYCLE: readonly AaveBorrowerKind[] = [
  "simple",
  "simple",
  "simple",
  "simple",
  "simple",
  "simple",
  "multi",
  "emode",
  "small",
  "dust",
];

/** The highest health factor a spread opens at, bps. */
const MAX_HF = 18_000;

/** Log-uniform in [lo, hi] dollars, as USD with 8 decimals (cents kept). */
function logUsd(r: number, lo: number, hi: number): bigint {
  return BigInt(Math.round(Math.exp(Math.log(lo) + r * (Math.log(hi) - Math.log(lo))) * 100)) * 10n ** 6n;
}

/** A health factor from the position's lowest open HF up to `max` bps. */
function hfBetween(r: number, min: bigint, max: number): bigint {
  const lo = Number(min);
  return BigInt(Math.round(lo + r * (Math.max(max, lo) - lo)));
}

/** The kind of the i-th Aave borrower of a spread. */
export function aaveBorrowerKind(i: number): AaveBorrowerKind {
  return KIND_CYCLE[i % KIND_CYCLE.length]!;
}

/** Multi-asset shapes: collaterals with their share of the value (bps), debts with their share of the debt. */
const MULTI_SHAPES: readonly {
  collateral: [TokenSymbol, bigint][];
  debt: [TokenSymbol, bigint][];
}[] = [
  {
    collateral: [
      ["WETH", 6_000n],
      ["WBTC", 4_000n],
    ],
    debt: [
      ["USDC", 5_000n],
      ["USDT", 5_000n],
    ],
  },
  {
    collateral: [
      ["wstETH", 7_000n],
      ["GOV", 3_000n],
    ],
    debt: [
      ["USDC", 6_000n],
      ["WETH", 4_000n],
    ],
  },
  {
    collateral: [
      ["WETH", 5_000n],
      ["GOV", 2_000n],
      ["WBTC", 3_000n],
    ],
    debt: [
      ["USDT", 7_000n],
      ["USDC", 3_000n],
    ],
  },
  {
    collateral: [
      ["WBTC", 5_000n],
      ["USDC", 5_000n],
    ],
    debt: [
      ["WETH", 6_000n],
      ["USDT", 4_000n],
    ],
  },
];

/** A spec from a shape and a total collateral value. */
function multiSpec(shape: (typeof MULTI_SHAPES)[number], totalUsd: bigint): Omit<AaveBorrowerSpec, "healthFactorBps"> {
  const [[first, firstShare], ...rest] = shape.collateral;
  const [[debt], ...moreDebt] = shape.debt;
  return {
    collateral: first,
    collateralUsd: (totalUsd * firstShare) / 10_000n,
    moreCollateral: rest.map(([symbol, share]) => ({ symbol, usd: (totalUsd * share) / 10_000n })),
    debt,
    moreDebt: moreDebt.map(([symbol, shareBps]) => ({ symbol, shareBps })),
  };
}

/**
 * A reproducible spread of Aave borrowers. Six in ten are the original world's, drawn from the same seeded sequence
 * (70% WETH / 30% WBTC collateral, USDC debt, $300 to $300k, HF up to 1.8), so the first six of a seed are the
 * borrowers that seed always gave; the other four of every ten are one multi-asset, one eMode (HF up to 1.10, like
 * a staking loop), one small (under $2,000) and one near-dust position, from a second seeded sequence.
 */
export function aaveBorrowerSpread(count: number, seed: number): AaveBorrowerSpec[] {
  const rand = seededRandom(seed);
  const more = seededRandom(seed ^ 0xa7e5);
  const eMode = AAVE_EMODES[0]!;
  return Array.from({ length: count }, (_, i): AaveBorrowerSpec => {
    switch (aaveBorrowerKind(i)) {
      case "simple": {
        const collateral: TokenSymbol = rand() < 0.7 ? "WETH" : "WBTC";
        const collateralUsd = logUsd(rand(), 300, 300_000);
        const healthFactorBps = hfBetween(rand(), minOpenHealthFactorBps(collateral), MAX_HF);
        return { collateral, debt: "USDC", collateralUsd, healthFactorBps };
      }
      case "multi": {
        const shape = MULTI_SHAPES[Math.floor(more() * MULTI_SHAPES.length)]!;
        const base = multiSpec(shape, logUsd(more(), 2_000, 500_000));
        return { ...base, healthFactorBps: hfBetween(more(), minOpenHealthFactorBps(base), 16_000) };
      }
      case "emode": {
        const base = {
          collateral: "wstETH" as const,
          collateralUsd: logUsd(more(), 5_000, 2_000_000),
          debt: "WETH" as const,
          eModeCategory: eMode.id,
        };
        return { ...base, healthFactorBps: hfBetween(more(), minOpenHealthFactorBps(base), 11_000) };
      }
      case "small": {
        const collateral = (["WETH", "WBTC", "wstETH", "GOV"] as const)[Math.floor(more() * 4)]!;
        const debt: TokenSymbol = more() < 0.5 ? "USDC" : "USDT";
        const collateralUsd = logUsd(more(), 200, 2_000);
        return {
          collateral,
          debt,
          collateralUsd,
          healthFactorBps: hfBetween(more(), minOpenHealthFactorBps(collateral), 16_000),
        };
      }
      case "dust": {
        // Sized by the debt: $800 to $2,600, around twice MIN_LEFTOVER_BASE, where a close factor of 50% would
        // leave dust and v3.6 lets (and makes) the liquidator repay it all.
        const collateral: TokenSymbol = more() < 0.6 ? "WETH" : "WBTC";
        const debt: TokenSymbol = more() < 0.5 ? "USDC" : "USDT";
        const debtUsd = logUsd(more(), 800, 2_600);
        const healthFactorBps = hfBetween(more(), minOpenHealthFactorBps(collateral), 13_000);
        const lt = BigInt(liquidationThresholdBps(collateral));
        return { collateral, debt, collateralUsd: (debtUsd * healthFactorBps) / lt, healthFactorBps };
      }
    }
  });
}

/**
 * A reproducible spread of Morpho borrowers over the world's markets (round robin over MORPHO_MARKETS, the first
 * market first): $300 to $300k of collateral, HF 1.01 to 1.8, the same seeded sequence as the original one-market
 * world.
 */
export function morphoBorrowerSpread(count: number, seed: number): MorphoBorrowerSpec[] {
  const rand = seededRandom(seed ^ 0x5eed);
  return Array.from({ length: count }, (_, i) => ({
    collateralUsd: logUsd(rand(), 300, 300_000),
    healthFactorBps: BigInt(Math.round(10_100 + rand() * 7_900)),
    market: i % MORPHO_MARKETS.length,
  }));
}
