import { isIP } from "node:net";
import { getAddress, isAddress, zeroAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import {
  KILL_SIGNALS,
  LOG_FORMATS,
  LOG_LEVELS,
  MAX_GAS_PRICE_GWEI_LIMIT,
  PROTOCOLS,
  SETTINGS,
  type KillSignal,
  type LogFormat,
  type LogLevel,
  type Protocol,
  type SettingName,
} from "./settings.js";
import { PRESET_CHAINS } from "../presets/chains.js";

/** USD amounts are bigints with 8 decimals, the precision of Chainlink USD feeds and Aave's oracle. */
export const USD_DECIMALS = 8;
/** Gwei amounts are stored in wei. */
export const GWEI_DECIMALS = 9;
/** ETH amounts are stored in wei. */
export const ETH_DECIMALS = 18;
/** Shortest OPS_TOKEN, as the ops server requires: 16 characters leave brute force over HTTP hopeless. */
export const MIN_OPS_TOKEN_LENGTH = 16;
/** Highest TCP port. */
const MAX_PORT = 65_535;
/** OPS_PORT's value for "no ops server". */
export const OPS_PORT_OFF = "off";
/** KILL_SIGNAL's value for "no signal lever". */
export const KILL_SIGNAL_NONE = "none";

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

function decimal(name: SettingName, decimals: number, positive: boolean, max?: bigint) {
  return z.string().transform((text, ctx): bigint => {
    const v = parseDecimal(text, decimals);
    if (v !== undefined && (!positive || v > 0n) && (max === undefined || v <= max)) return v;
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

function url(name: SettingName, protocols: readonly string[]) {
  return z.string().refine((text) => {
    try {
      const u = new URL(text);
      return protocols.includes(u.protocol) && u.host !== "";
    } catch {
      return false;
    }
  }, expected(name));
}

/** 0x + 64 hex digits in [1, n-1], lowercased. */
function privateKey(name: SettingName) {
  return z.string().transform((text, ctx): Hex => {
    if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
      const k = BigInt(text);
      if (k > 0n && k < SECP256K1_N) return text.toLowerCase() as Hex;
    }
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected(name) });
    return z.NEVER;
  });
}

/** A host name (RFC 1123 labels) or an IPv4/IPv6 address, as node:net's listen takes it: no scheme, no port. */
function isHost(text: string): boolean {
  return (
    isIP(text) !== 0 ||
    /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(text)
  );
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
};

/** One zod schema per setting, from its text to its typed value. */
export const FIELD_SCHEMAS = {
  RPC_URL: url("RPC_URL", ["http:", "https:"]),
  RPC_URLS: z.string().transform((text, ctx): readonly string[] => {
    const items = text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const isHttp = (u: string): boolean => {
      try {
        const parsed = new URL(u);
        return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host !== "";
      } catch {
        return false;
      }
    };
    if (items.length > 0 && items.every(isHttp)) return Object.freeze(items);
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("RPC_URLS") });
    return z.NEVER;
  }),
  FORK_URL: url("FORK_URL", ["http:", "https:"]),
  FORK_BLOCK: z.string().transform((text, ctx): bigint => {
    if (/^\d+$/.test(text)) return BigInt(text);
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("FORK_BLOCK") });
    return z.NEVER;
  }),
  PRIVATE_KEY: privateKey("PRIVATE_KEY"),
  KEYSTORE_PATH: path("KEYSTORE_PATH"),
  KEYSTORE_PASSWORD: z.string().min(1, expected("KEYSTORE_PASSWORD")),
  EXECUTOR_ADDRESS: z.string().transform((text, ctx): Address => {
    // viem's strict check: all lowercase, or mixed case with a valid EIP-55 checksum.
    if (isAddress(text, { strict: true }) && text.toLowerCase() !== zeroAddress) return getAddress(text);
    const hint =
      isAddress(text, { strict: false }) && text.toLowerCase() !== zeroAddress
        ? " (the checksum does not match: check for a typo)"
        : "";
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("EXECUTOR_ADDRESS") + hint });
    return z.NEVER;
  }),
  DEPLOYMENT_FILE: path("DEPLOYMENT_FILE"),
  CHAIN: oneOf("CHAIN", PRESET_CHAINS),
  WATCH: z.string().transform((text, ctx): readonly Protocol[] => {
    const items = text
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const unknown = items.filter((s) => !(PROTOCOLS as readonly string[]).includes(s));
    if (items.length && !unknown.length) return PROTOCOLS.filter((p) => items.includes(p));
    const what = unknown.length ? ` (unknown: ${unknown.join(", ")})` : " (the list is empty)";
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("WATCH") + what });
    return z.NEVER;
  }),
  MORPHO_MARKETS: z.string().transform((text, ctx): false | "known-tokens" | readonly Hex[] => {
    const v = text.trim().toLowerCase();
    if (v === "listed") return false;
    if (v === "known-tokens") return v;
    const ids = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !/^0x[0-9a-f]{64}$/.test(id));
    if (ids.length && !bad.length) return Object.freeze(ids as Hex[]);
    const what = bad.length ? ` (not a market id: ${bad.join(", ")})` : " (the list is empty)";
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("MORPHO_MARKETS") + what });
    return z.NEVER;
  }),
  MIN_PROFIT_USD: decimal("MIN_PROFIT_USD", USD_DECIMALS, false),
  MAX_TRADE_USD: decimal("MAX_TRADE_USD", USD_DECIMALS, false),
  ORDER_FLOW_WINDOW_BLOCKS: integer("ORDER_FLOW_WINDOW_BLOCKS", 1, 10_000),
  ORDER_FLOW_MAX_AGAINST_USD: decimal("ORDER_FLOW_MAX_AGAINST_USD", USD_DECIMALS, false),
  FEED_MAX_AGE_S: integer("FEED_MAX_AGE_S", 1).transform((n): bigint => BigInt(n)),
  MAX_FEED_TWAP_DEVIATION_BPS: integer("MAX_FEED_TWAP_DEVIATION_BPS", 0, 10_000).transform((n): bigint => BigInt(n)),
  REBALANCE_THRESHOLD_BPS: integer("REBALANCE_THRESHOLD_BPS", 1, 10_000),
  REBALANCE_TOLERANCE_BPS: integer("REBALANCE_TOLERANCE_BPS", 1, 10_000),
  PLANNER: z.string().transform((text, ctx): "sequence" | "single" => {
    const v = text.trim().toLowerCase();
    if (v === "sequence" || v === "single") return v;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("PLANNER") });
    return z.NEVER;
  }),
  MAX_TX_GAS_SHARE_BPS: integer("MAX_TX_GAS_SHARE_BPS", 100, 10_000),
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
  DISCOVERY_CONCURRENCY: integer("DISCOVERY_CONCURRENCY", 1, 32),
  DISCOVERY_RANGE_BLOCKS: integer("DISCOVERY_RANGE_BLOCKS", 1).transform((n): bigint => BigInt(n)),
  LOG_CHUNK_BLOCKS: integer("LOG_CHUNK_BLOCKS", 1).transform((n): bigint => BigInt(n)),
  MULTICALL_BATCH: integer("MULTICALL_BATCH", 1),
  POLL_INTERVAL_MS: integer("POLL_INTERVAL_MS", 1),
  STARTUP_RETRY_S: integer("STARTUP_RETRY_S", 1),
  MAX_GAS_PRICE_GWEI: decimal("MAX_GAS_PRICE_GWEI", GWEI_DECIMALS, true, BigInt(MAX_GAS_PRICE_GWEI_LIMIT) * 10n ** 9n),
  PRIORITY_FEE_GWEI: decimal("PRIORITY_FEE_GWEI", GWEI_DECIMALS, false),
  STUCK_BLOCKS: integer("STUCK_BLOCKS", 1),
  CONFIRMATIONS: integer("CONFIRMATIONS", 0),
  RELAY_URL: url("RELAY_URL", ["http:", "https:"]),
  RELAY_AUTH_KEY: privateKey("RELAY_AUTH_KEY"),
  DATA_DIR: path("DATA_DIR"),
  DECISION_LOG_RETENTION_BLOCKS: integer("DECISION_LOG_RETENTION_BLOCKS", 1).transform((n): bigint => BigInt(n)),
  REPORT_FILE: path("REPORT_FILE"),
  LOG_LEVEL: oneOf<LogLevel>("LOG_LEVEL", LOG_LEVELS),
  LOG_FORMAT: oneOf<LogFormat>("LOG_FORMAT", LOG_FORMATS),
  KILL_FILE: path("KILL_FILE"),
  KILL_SIGNAL: z.string().transform((text, ctx): KillSignal | undefined => {
    if (text.toLowerCase() === KILL_SIGNAL_NONE) return undefined;
    const upper = text.toUpperCase();
    const v = KILL_SIGNALS.find((candidate) => candidate === upper);
    if (v !== undefined) return v;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("KILL_SIGNAL") });
    return z.NEVER;
  }),
  BREAKER_FAILURES: integer("BREAKER_FAILURES", 1),
  BREAKER_COOLOFF_MS: integer("BREAKER_COOLOFF_MS", 1),
  DAILY_GAS_CAP_ETH: decimal("DAILY_GAS_CAP_ETH", ETH_DECIMALS, true),
  DAILY_SEND_CAP: integer("DAILY_SEND_CAP", 1),
  OPS_PORT: z.string().transform((text, ctx): number | undefined => {
    if (text.toLowerCase() === OPS_PORT_OFF) return undefined;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (Number.isInteger(n) && n <= MAX_PORT) return n;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected("OPS_PORT") });
    return z.NEVER;
  }),
  OPS_HOST: z.string().refine(isHost, expected("OPS_HOST")),
  OPS_TOKEN: z
    .string()
    .refine((text) => text.length >= MIN_OPS_TOKEN_LENGTH && !/\s/.test(text), expected("OPS_TOKEN")),
  HEALTH_MAX_HEAD_AGE_S: integer("HEALTH_MAX_HEAD_AGE_S", 1),
  DASHBOARD_BLOCKS: integer("DASHBOARD_BLOCKS", 0, 100_000),
} satisfies Record<SettingName, z.ZodType<unknown, z.ZodTypeDef, string>>;

/** The typed value of every setting, as the schemas produce it. */
export type ParsedSettings = { [K in SettingName]: z.output<(typeof FIELD_SCHEMAS)[K]> };
