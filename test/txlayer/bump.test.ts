import { describe, expect, it } from "vitest";
import { bumpFees, highestFees, raiseBy } from "../../src/txlayer/bump.js";
import { classifyBroadcastError } from "../../src/txlayer/broadcast.js";
import type { IntentRecord } from "../../src/journal/types.js";
import { gasBudget } from "../../src/txlayer/resimulate.js";

const GWEI = 10n ** 9n;

describe("replacement fees", () => {
  const previous = { maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: 1n * GWEI };
  const quiet = { maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 1n * GWEI };

  it("raises both fields by at least 12.5% (rounded up, at least 1 wei), more when the market needs it", () => {
    expect(raiseBy(8n, 1_250n)).toBe(9n);
    expect(raiseBy(0n, 1_250n)).toBe(1n);
    expect(raiseBy(1n, 1_250n)).toBe(2n);
    expect(
      bumpFees({ previous, market: quiet, gasLimit: 500_000n, maxFeeCapWei: 100n * GWEI, bumpBps: 1_250n }),
    ).toEqual({
      ok: true,
      maxFeePerGas: 11_250_000_000n,
      maxPriorityFeePerGas: 1_125_000_000n,
    });
    const busy = { maxFeePerGas: 41n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    expect(
      bumpFees({ previous, market: busy, gasLimit: 500_000n, maxFeeCapWei: 100n * GWEI, bumpBps: 1_250n }),
    ).toEqual({ ok: true, maxFeePerGas: 41n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
  });

  it("never exceeds the fee cap: clamps to it while the minimum raise fits, refuses once it does not", () => {
    const busy = { maxFeePerGas: 41n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    expect(
      bumpFees({ previous, market: busy, gasLimit: 500_000n, maxFeeCapWei: 30n * GWEI, bumpBps: 1_250n }),
    ).toMatchObject({ ok: true, maxFeePerGas: 30n * GWEI });
    expect(
      bumpFees({ previous, market: quiet, gasLimit: 500_000n, maxFeeCapWei: 11n * GWEI, bumpBps: 1_250n }),
    ).toEqual({
      ok: false,
      reason: "fee-cap",
      needed: { maxFeePerGas: 11_250_000_000n, maxPriorityFeePerGas: 1_125_000_000n },
      limit: 11n * GWEI,
    });
  });

  it("never lets gasLimit * maxFeePerGas exceed the expected profit", () => {
    const gasLimit = 500_000n;
    const fits = bumpFees({
      previous,
      market: { maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 1n * GWEI },
      gasLimit,
      maxFeeCapWei: 100n * GWEI,
      expectedProfitWei: gasLimit * 20n * GWEI,
      bumpBps: 1_250n,
    });
    expect(fits).toMatchObject({ ok: true, maxFeePerGas: 20n * GWEI });
    const refused = bumpFees({
      previous,
      market: quiet,
      gasLimit,
      maxFeeCapWei: 100n * GWEI,
      expectedProfitWei: gasLimit * 11n * GWEI,
      bumpBps: 1_250n,
    });
    expect(refused).toMatchObject({ ok: false, reason: "profit-bound", limit: 11n * GWEI });
  });

  it("beats the highest fees ever sent at the nonce, refused ones included", () => {
    expect(highestFees([previous, { maxFeePerGas: 9n, maxPriorityFeePerGas: 5n * GWEI }])).toEqual({
      maxFeePerGas: 10n * GWEI,
      maxPriorityFeePerGas: 5n * GWEI,
    });
  });
});

describe("gas budget of a bump: min(first, fresh) - floor", () => {
  // Priced at the first send: 1,000 token units were worth 2 ETH.
  const intent = {
    expectedProfitWei: 2n * 10n ** 18n,
    simulation: { profit: 1_000n, profitToken: undefined, gas: 1n, gasLimit: 1n },
  } as IntentRecord;

  it("follows a fresh profit that fell, at the first send's rate, less the floor", () => {
    expect(gasBudget(intent, 500n, 0n).wei).toBe(10n ** 18n);
    expect(gasBudget(intent, 500n, 10n ** 17n).wei).toBe(9n * 10n ** 17n);
  });

  it("never rises above the first send's figure when the fresh profit grew", () => {
    expect(gasBudget(intent, 4_000n, 0n)).toMatchObject({ wei: 2n * 10n ** 18n, freshWei: 8n * 10n ** 18n });
  });

  it("goes to zero or below when the floor eats the profit (no bump is worth paying), and keeps the first figure without a simulation", () => {
    expect(gasBudget(intent, 1_000n, 3n * 10n ** 18n).wei).toBeLessThan(0n);
    expect(gasBudget({ ...intent, simulation: undefined }, 1n, 0n).wei).toBe(2n * 10n ** 18n);
  });
});

describe("classifyBroadcastError", () => {
  it.each([
    ["Known transaction: 0xabc", "already-known"],
    ["already known", "already-known"],
    ["Transaction nonce too low. Expected nonce to be at least 1 but got 0.", "nonce-too-low"],
    ["nonce too low: next nonce 5, tx nonce 4", "nonce-too-low"],
    [
      "Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 11000000000 is necessary",
      "underpriced",
    ],
    ["replacement transaction underpriced", "underpriced"],
    ["Sender doesn't have enough funds to send tx. The max upfront cost is: 1", "insufficient-funds"],
    ["insufficient funds for gas * price + value", "insufficient-funds"],
    ["max fee per gas less than block base fee", "fee-too-low"],
    ["read ECONNRESET", "transient"],
    ["invalid sender", "rejected"],
  ])("%s -> %s", (message, kind) => {
    expect(classifyBroadcastError(new Error(message))).toBe(kind);
  });
});
