import type { Address } from "viem";
import type { Snapshot } from "../watcher/snapshot.js";

/**
 * Prices a raw token amount in wei at the snapshot's feeds (token USD / ETH USD), so the gas guard compares
 * like with like. Unknown prices give 0: the guard then refuses to spend gas on it.
 */
export function profitInWei(snapshot: Snapshot, wethToken: Address): (profit: bigint, token: Address) => bigint {
  const ethUsd = snapshot.prices[wethToken]?.usd8;
  return (profit, token) => {
    const p = snapshot.prices[token];
    if (!p || !ethUsd) return 0n;
    return (profit * p.usd8 * 10n ** 18n) / (10n ** BigInt(p.decimals) * ethUsd);
  };
}
