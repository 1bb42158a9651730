import { describe, expect, it } from "vitest";
import { bumpFees, highestFees, raiseBy } from "../../src/txlayer/bump.js";
import { classifyBroadcastError } from "../../src/txlayer/broadcast.js";

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
