import type { World } from "./types.js";

/** Serialises a World for `world.json`: bigints become decimal strings. */
export function worldToJson(world: World): string {
  return JSON.stringify(world, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Reads a World back from `worldToJson` output. */
export function worldFromJson(text: string): World {
  const raw = JSON.parse(text);
  raw.startBlock = BigInt(raw.startBlock);
  // Files from before the market-shaped world: no adapters, no eModes.
  raw.rateAdapters ??= {};
  if (raw.aave) raw.aave.eModes ??= [];
  if (raw.morpho) {
    raw.morpho.marketParams.lltv = BigInt(raw.morpho.marketParams.lltv);
    raw.morpho.markets = (raw.morpho.markets ?? [{ id: raw.morpho.marketId, params: raw.morpho.marketParams }]).map(
      (m: any) => ({ ...m, params: { ...m.params, lltv: BigInt(m.params.lltv) } }),
    );
  }
  return raw as World;
}
