import { describe, expect, it } from "vitest";
import {
  formatUsd,
  gasCostUsd,
  gasCostWei,
  netProfit,
  rankOpportunities,
  tokenAmountToUsd,
  type GasMarket,
  type Opportunity,
} from "../../../src/risk/index.js";

const USD = 10n ** 8n;
const GWEI = 10n ** 9n;
const ADDR = "0x0000000000000000000000000000000000000001" as const;
/** 10 gwei base + 2 gwei tip, ETH at $3000. */
const gas: GasMarket = { baseFeePerGas: 10n * GWEI, priorityFeePerGas: 2n * GWEI, ethUsd: 3000n * USD };

function v2(id: string, grossUsd: bigint, gasEstimate = 150_000n, fundingFeeUsd = 0n, included = true): Opportunity {
  return {
    kind: "rebalance",
    protocol: "uniswap-v2",
    id,
    expectedProfit: { token: ADDR, symbol: "USDC", decimals: 6, amount: grossUsd / 100n },
    expectedProfitUsd: grossUsd,
    gasEstimate,
    funding: { source: "uniswap-v2 flash swap", feeUsd: fundingFeeUsd, includedInProfit: included },
    details: { pair: ADDR, zeroForOne: true, amountIn: 1n, amountOut: 1n },
  };
}

function aave(id: string, grossUsd: bigint, fundingFeeUsd: bigint): Opportunity {
  return {
    kind: "liquidation",
    protocol: "aave-v3",
    id,
    expectedProfit: { token: ADDR, symbol: "WETH", decimals: 18, amount: 1n },
    expectedProfitUsd: grossUsd,
    gasEstimate: 400_000n,
    funding: { source: "morpho flash loan", feeUsd: fundingFeeUsd, includedInProfit: false },
    details: {
      user: ADDR,
      debtAsset: ADDR,
      collateralAsset: ADDR,
      debtToCover: 1n,
      collateralSeized: 1n,
      protocolFee: 0n,
      healthFactor: 9n * 10n ** 17n,
    },
  };
}

describe("profit accounting", () => {
  it("costs gas in wei and USD (rounded up)", () => {
    expect(gasCostWei(150_000n, gas)).toBe(1_800_000n * GWEI); // 0.0018 ETH
    expect(gasCostUsd(150_000n, gas)).toBe((540n * USD) / 100n); // $5.40
    expect(gasCostUsd(1n, { baseFeePerGas: 1n, priorityFeePerGas: 0n, ethUsd: 1n })).toBe(1n);
  });

  it("values token amounts in USD with 6/8/18 decimals", () => {
    expect(tokenAmountToUsd(1_500_000n, 6, USD)).toBe(150_000_000n); // 1.5 USDC
    expect(tokenAmountToUsd(10n ** 7n, 8, 60_000n * USD)).toBe(6_000n * USD); // 0.1 WBTC
    expect(tokenAmountToUsd(-(10n ** 18n), 18, 3000n * USD)).toBe(-3000n * USD);
  });

  it("subtracts the funding fee only when it is not already in the gross profit", () => {
    const inside = netProfit(v2("a", 20n * USD, 150_000n, 3n * USD, true), gas);
    expect(inside).toEqual({
      grossUsd: 20n * USD,
      gasCostUsd: (540n * USD) / 100n,
      fundingFeeUsd: 3n * USD,
      fundingFeeDeductedUsd: 0n,
      l1FeeUsd: 0n,
      netUsd: (1460n * USD) / 100n,
    });
    const outside = netProfit(v2("a", 20n * USD, 150_000n, 3n * USD, false), gas);
    expect(outside.netUsd).toBe((1160n * USD) / 100n);
  });

  it("on an OP-stack chain, adds the L1 data fee bound of the transaction's size to the gas cost", () => {
    const l1 = { l1BaseFee: 30n * GWEI, blobBaseFee: 5n * GWEI, baseFeeScalar: 2269n, blobBaseFeeScalar: 1_055_762n };
    const o = v2("a", 20n * USD, 150_000n, 3n * USD, true);
    const l2Only = netProfit(o, { ...gas, l1 });
    expect(l2Only.l1FeeUsd).toBe(0n); // no size given: nothing to price
    const p = netProfit(o, { ...gas, l1 }, 700n);
    // (700 + 68) bytes -> FastLZ bound 787 -> 836,500 x 787 - 42,585,600 = 615,739,900 (Brotli bytes x 1e6);
    // fee = that x (2269 x 16 x 30 gwei + 1,055,762 x 5 gwei) / 1e12 wei.
    const feeWei = (615_739_900n * (2269n * 16n * 30n * GWEI + 1_055_762n * 5n * GWEI)) / 10n ** 12n;
    expect(p.l1FeeUsd).toBe((feeWei * gas.ethUsd + 10n ** 18n - 1n) / 10n ** 18n);
    expect(p.gasCostUsd).toBe(l2Only.gasCostUsd + p.l1FeeUsd);
    expect(p.netUsd).toBe(l2Only.netUsd - p.l1FeeUsd);
  });

  it("formats dollars and cents, truncated", () => {
    expect(formatUsd(42_000_000n)).toBe("$0.42");
    expect(formatUsd(42_999_999n)).toBe("$0.42");
    expect(formatUsd(5n * USD)).toBe("$5.00");
    expect(formatUsd(-120_000_000n)).toBe("-$1.20");
    expect(formatUsd(-1n)).toBe("$0.00");
    expect(formatUsd(123_456n * USD)).toBe("$123456.00");
  });
});

describe("rankOpportunities", () => {
  it("sorts by net profit and explains every skip", () => {
    const ops: Opportunity[] = [
      v2("small", 5n * USD + 84n * 10n ** 6n), // $5.84 - $5.40 gas = $0.44
      v2("big", 100n * USD),
      v2("gas-eaten", 5n * USD), // $5.00 < $5.40 gas
      aave("liq", 50n * USD, 45n * USD), // 50 - 14.40 gas - 45 fee < 0
      v2("loss", -1n * USD),
      aave("liq2", 80n * USD, 5n * USD), // 80 - 14.40 - 5 = 60.60
      v2("mid", 30n * USD, 0n),
    ];
    const { selected, skipped } = rankOpportunities(ops, { minProfitUsd: 5n * USD, gas });
    expect(selected.map((s) => s.opportunity.id)).toEqual(["big", "liq2", "mid"]);
    expect(selected.map((s) => s.profit.netUsd)).toEqual([(9460n * USD) / 100n, (6060n * USD) / 100n, 30n * USD]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.opportunity.id, s.reason]));
    expect(reasons).toEqual({
      small: "net profit $0.44 below minimum $5.00",
      "gas-eaten": "gas cost exceeds gross profit ($5.40 >= $5.00)",
      liq: "funding fee $45.00 exceeds profit after gas",
      loss: "gross profit -$1.00 is not positive",
    });
  });

  it("keeps an opportunity exactly at the minimum and breaks ties by id", () => {
    const { selected } = rankOpportunities([v2("b", 10n * USD, 0n), v2("a", 10n * USD, 0n)], {
      minProfitUsd: 10n * USD,
      gas,
    });
    expect(selected.map((s) => s.opportunity.id)).toEqual(["a", "b"]);
  });

  it("keeps only the best of duplicate ids", () => {
    const { selected, skipped } = rankOpportunities([v2("x", 10n * USD, 0n), v2("x", 20n * USD, 0n)], {
      minProfitUsd: 0n,
      gas,
    });
    expect(selected).toHaveLength(1);
    expect(selected[0]!.profit.netUsd).toBe(20n * USD);
    expect(skipped[0]!.reason).toMatch(/^duplicate id x/);
  });

  it("handles an empty list", () => {
    expect(rankOpportunities([], { minProfitUsd: 0n, gas })).toEqual({ selected: [], skipped: [] });
  });
});
