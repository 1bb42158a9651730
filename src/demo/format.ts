import type { Address } from "viem";
import type { Snapshot } from "../watcher/snapshot.js";

/** A raw token amount as a decimal string with at most `maxFraction` fraction digits. */
export function formatUnitsShort(amount: bigint, decimals: number, maxFraction = 4): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  let frac = (abs % unit).toString().padStart(decimals, "0").slice(0, maxFraction).replace(/0+$/, "");
  const w = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${w}${frac ? `.${frac}` : ""}`;
}

/** "1,234.5 USDC" using the snapshot's token metadata. */
export function formatToken(snapshot: Snapshot, token: Address, amount: bigint): string {
  const p = snapshot.prices[token];
  return p ? `${formatUnitsShort(amount, p.decimals)} ${p.symbol}` : `${amount} (${token})`;
}

/** 0xabcd…1234 */
export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
