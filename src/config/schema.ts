import { getAddress, isAddress, zeroAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { LOG_FORMATS, LOG_LEVELS, PROTOCOLS, SETTINGS, type LogFormat, type LogLevel, type Protocol, type SettingName } from "./settings.js";

/** USD amounts are bigints with 8 decimals, the precision of Chainlink USD feeds and Aave's oracle. */
export const USD_DECIMALS = 8;
/** Gwei amounts are stored in wei. */
export const GWEI_DECIMALS = 9;

/** secp256k1's group order: a private key must be in [1, n-1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A start block: a block number, or "earliest" for genesis. 0n means the deployment's startBlock. */
export type StartBlock = bigint | "earliest";

/**
 * Parses a non-negative decimal string into an integer scaled by 10^decimals, exactly: unlike
 * viem's parseUnits it refuses excess decimals rather than rounding them away.
 */
export function parseDecimal(text: string, decimals: number): bigint | undefined {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (!m[1] && !m[2])) return undefined;
  const fraction = m[2] ?? "";
  if (fraction.length > decimals) return undefined;
  return BigInt((m[1] || "0") + fraction.padEnd(decimals, "0"));
}

/** Formats a scaled integer back to the shortest decimal string ("500", "0.25"). */
export function formatDecimal(value: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const fraction = (value % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return fraction ? `${value / scale}.${fraction}` : `${value / scale}`;
}

// Each schema reads the trimmed text of one setting; its message is the setting's expectation,
// so a zod issue turns into a ConfigIssue without rewording.
const expected = (name: SettingName): string => SETTINGS[name].expected;

function integer(name: SettingName, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((text, ctx): number => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected(name) });
    return z.NEVER;
  });
}

function decimal(name: SettingName, decimals: number, positive: boolean) {
  return z.string().transform((text, ctx): bigint => {
    const v = parseDecimal(text, decimals);
    if (v !== undefined && (!positive || v > 0n)) return v;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected(name) });
    return z.NEVER;
  });
}

function oneOf<T extends string>(name: SettingName, values: readonly T[]) {
  return z.string().transform((text, ctx): T => {
    const v = values.find((candidate) => candidate === text.toLowerCase());
    if (v !== undefined) return v;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected(name) });
    return z.NEVER;
  });
}

const path = (name: SettingName) => z.string().min(1, expected(name));

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, "1": true, "0": false, yes: true, no: false };

/** One zod schema per setting, from its text to its typed value. */
export const FIELD_SCHEMAS = {
  RPC_URL: z.string().refine((text) => {
    try {
      const u = new URL(text);
      return ["http:", "https:", "ws:", "wss:"].includes(u.protocol) && u.host !== "";
    } catch {
      return false;
    }
  }, expected("RPC_URL")),
  PRIVATE_KEY: z.string().transform((text, ctx): Hex => {
    if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
      const k = BigInt(text);
      if (k > 0n && k < SECP256K1_N) return text.toLowerCase() as Hex;
    }
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("PRIVATE_KEY") });
    return z.NEVER;
  }),
  KEYSTORE_PATH: path("KEYSTORE_PATH"),
  KEYSTORE_PASSWORD: z.string().min(1, expected("KEYSTORE_PASSWORD")),
  EXECUTOR_ADDRESS: z.string().transform((text, ctx): Address => {
    // viem's strict check: all lowercase, or mixed case with a valid EIP-55 checksum.
    if (isAddress(text, { strict: true }) && text.toLowerCase() !== zeroAddress) return getAddress(text);
    const hint = isAddress(text, { strict: false }) && text.toLowerCase() !== zeroAddress ? " (the checksum does not match: check for a typo)" : "";
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("EXECUTOR_ADDRESS") + hint });
    return z.NEVER;
  }),
  DEPLOYMENT_FILE: path("DEPLOYMENT_FILE"),
  WATCH: z.string().transform((text, ctx): readonly Protocol[] => {
    const items = text.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    const unknown = items.filter((s) => !(PROTOCOLS as readonly string[]).includes(s));
    if (items.length && !unknown.length) return PROTOCOLS.filter((p) => items.includes(p));
    const what = unknown.length ? ` (unknown: ${unknown.join(", ")})` : " (the list is empty)";
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("WATCH") + what });
    return z.NEVER;
  }),
  MIN_PROFIT_USD: decimal("MIN_PROFIT_USD", USD_DECIMALS, false),
  REBALANCE_THRESHOLD_BPS: integer("REBALANCE_THRESHOLD_BPS", 1, 10_000),
  REBALANCE_TOLERANCE_BPS: integer("REBALANCE_TOLERANCE_BPS", 1, 10_000),
  DRY_RUN: z.string().transform((text, ctx): boolean => {
    const v = BOOLEANS[text.toLowerCase()];
    if (v !== undefined) return v;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("DRY_RUN") });
    return z.NEVER;
  }),
  START_BLOCK: z.string().transform((text, ctx): StartBlock => {
    if (text.toLowerCase() === "earliest") return "earliest";
    if (/^\d+$/.test(text)) return BigInt(text);
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("START_BLOCK") });
    return z.NEVER;
  }),
  LOG_CHUNK_BLOCKS: integer("LOG_CHUNK_BLOCKS", 1).transform((n): bigint => BigInt(n)),
  MULTICALL_BATCH: integer("MULTICALL_BATCH", 1),
  POLL_INTERVAL_MS: integer("POLL_INTERVAL_MS", 1),
  MAX_GAS_PRICE_GWEI: decimal("MAX_GAS_PRICE_GWEI", GWEI_DECIMALS, true),
  PRIORITY_FEE_GWEI: decimal("PRIORITY_FEE_GWEI", GWEI_DECIMALS, false),
  DATA_DIR: path("DATA_DIR"),
  REPORT_FILE: path("REPORT_FILE"),
  LOG_LEVEL: oneOf<LogLevel>("LOG_LEVEL", LOG_LEVELS),
  LOG_FORMAT: oneOf<LogFormat>("LOG_FORMAT", LOG_FORMATS),
} satisfies Record<SettingName, z.ZodType<unknown, z.ZodTypeDef, string>>;

/** The typed value of every setting, as the schemas produce it. */
export type ParsedSettings = { [K in SettingName]: z.output<(typeof FIELD_SCHEMAS)[K]> };
