import type { World } from "./types.js";

/** Serialises a World for `world.json`: bigints become decimal strings. */
export function worldToJson(world: World): string {
  return JSON.stringify(world, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Reads a World back from `worldToJson` output. */
export function worldFromJson(text: string): World {
  const raw = JSON.parse(text);
  raw.startBlock = BigInt(raw.startBlock);
  raw.morpho.marketParams.lltv = BigInt(raw.morpho.marketParams.lltv);
  return raw as World;
}
