/**
 * The table of every setting the keeper reads: its name in `.env` and the environment, its CLI flag,
 * its default and what a valid value looks like. Flags, help text, defaults and error messages all
 * come from this one table so they cannot drift apart.
 */
import { PRESET_CHAINS } from "../presets/chains.js";

/** Protocols the keeper can watch (values of WATCH). */
export const PROTOCOLS = ["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Log levels accepted by LOG_LEVEL (pino's names). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Output formats accepted by LOG_FORMAT. */
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Signals KILL_SIGNAL may name; SIGUSR1 also opens Node's debugger, hence not the default. */
export const KILL_SIGNALS = ["SIGUSR1", "SIGUSR2", "SIGHUP"] as const;
export type KillSignal = (typeof KILL_SIGNALS)[number];

/**
 * MAX_GAS_PRICE_GWEI's upper bound. The highest base fees Ethereum mainnet has seen are a few thousand gwei
 * (NFT mints, 2021-2022); a cap above 10,000 gwei protects nothing and is almost always a unit slip (wei or
 * mwei typed as gwei), which would let one stuck replacement spend the whole balance on fees.
 */
export const MAX_GAS_PRICE_GWEI_LIMIT = 10_000;

/** Names of all settings, in the order they are documented and reported. */
export const SETTING_NAMES = [
  "RPC_URL",
  "RPC_URLS",
  "FORK_URL",
  "FORK_BLOCK",
  "PRIVATE_KEY",
  "KEYSTORE_PATH",
  "KEYSTORE_PASSWORD",
  "EXECUTOR_ADDRESS",
  "DEPLOYMENT_FILE",
  "CHAIN",
  "WATCH",
  "MORPHO_MARKETS",
  "MIN_PROFIT_USD",
  "MAX_TRADE_USD",
  "ORDER_FLOW_WINDOW_BLOCKS",
  "ORDER_FLOW_MAX_AGAINST_USD",
  "FEED_MAX_AGE_S",
  "MAX_FEED_TWAP_DEVIATION_BPS",
  "REBALANCE_THRESHOLD_BPS",
  "REBALANCE_TOLERANCE_BPS",
  "PLANNER",
  "MAX_TX_GAS_SHARE_BPS",
  "DRY_RUN",
  "START_BLOCK",
  "LOG_CHUNK_BLOCKS",
  "DISCOVERY_CONCURRENCY",
  "DISCOVERY_RANGE_BLOCKS",
  "MULTICALL_BATCH",
  "POLL_INTERVAL_MS",
  "STARTUP_RETRY_S",
  "MAX_GAS_PRICE_GWEI",
  "PRIORITY_FEE_GWEI",
  "STUCK_BLOCKS",
  "CONFIRMATIONS",
  "RELAY_URL",
  "RELAY_AUTH_KEY",
  "DATA_DIR",
  "DECISION_LOG_RETENTION_BLOCKS",
  "REPORT_FILE",
  "LOG_LEVEL",
  "LOG_FORMAT",
  // After DATA_DIR: its default is computed from it.
  "KILL_FILE",
  "KILL_SIGNAL",
  "BREAKER_FAILURES",
  "BREAKER_COOLOFF_MS",
  "DAILY_GAS_CAP_ETH",
  "DAILY_SEND_CAP",
  "OPS_PORT",
  "OPS_HOST",
  "OPS_TOKEN",
  "HEALTH_MAX_HEAD_AGE_S",
  "DASHBOARD_BLOCKS",
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** How one setting is read and explained. */
export interface SettingSpec {
  readonly name: SettingName;
  /** The long flag without dashes: always the kebab-case of `name`. */
  readonly flag: string;
  /** Extra long flags accepted for the same setting. */
  readonly aliases: readonly string[];
  /** Boolean flags take no value on the command line (`--dry-run`), other flags always take one. */
  readonly boolean: boolean;
  /** Secret values are never echoed back: not in errors, not in logs, not in describeConfig. */
  readonly secret: boolean;
  /** URLs may hold an API key (path, query, user info): only their scheme and host are ever printed. */
  readonly url: boolean;
  /** The default as it would be written in `.env`; undefined means "unset" (optional or required). */
  readonly default: string | undefined;
  /** What a valid value looks like, phrased to follow "expected ...". */
  readonly expected: string;
}

type SpecInput = Partial<Pick<SettingSpec, "aliases" | "boolean" | "secret" | "url" | "default">> & {
  expected: string;
};

function spec(name: SettingName, input: SpecInput): SettingSpec {
  return Object.freeze({
    name,
    flag: name.toLowerCase().replaceAll("_", "-"),
    aliases: Object.freeze(input.aliases ?? []),
    boolean: input.boolean ?? false,
    secret: input.secret ?? false,
    url: input.url ?? false,
    default: input.default,
    expected: input.expected,
  });
}

/** Every setting, keyed by name. */
export const SETTINGS: Readonly<Record<SettingName, SettingSpec>> = Object.freeze({
  RPC_URL: spec("RPC_URL", {
    aliases: ["rpc"],
    url: true,
    // The keeper's clients poll over HTTP; a ws(s) URL would be read as an HTTP one and fail obscurely later.
    expected:
      "an http(s) URL of a JSON-RPC node, e.g. http://127.0.0.1:8545 (ws:// and wss:// are not supported: use the node's HTTP endpoint)",
  }),
  RPC_URLS: spec("RPC_URLS", {
    url: true,
    expected:
      "a comma-separated list of http(s) JSON-RPC URLs of the same chain, used with RPC_URL through a ranked failover (a failing endpoint is retried later), e.g. https://a.example,https://b.example",
  }),
  FORK_URL: spec("FORK_URL", {
    aliases: ["fork"],
    url: true,
    // Hardhat forks, and the probe of the upstream chain, speak JSON-RPC over HTTP only.
    expected: "an http(s) URL of a JSON-RPC node of the chain to fork, e.g. https://eth.example.com",
  }),
  FORK_BLOCK: spec("FORK_BLOCK", {
    expected: "a non-negative block number to fork at, e.g. 19000000",
  }),
  PRIVATE_KEY: spec("PRIVATE_KEY", {
    secret: true,
    expected: "0x followed by 64 hex digits (a 32-byte secp256k1 private key)",
  }),
  KEYSTORE_PATH: spec("KEYSTORE_PATH", { expected: "the path of an encrypted JSON keystore file" }),
  KEYSTORE_PASSWORD: spec("KEYSTORE_PASSWORD", { secret: true, expected: "the password of the keystore file" }),
  EXECUTOR_ADDRESS: spec("EXECUTOR_ADDRESS", {
    expected: "the KeeperExecutor's address: 0x + 40 hex digits, checksummed or all lowercase",
  }),
  DEPLOYMENT_FILE: spec("DEPLOYMENT_FILE", {
    default: "world.json",
    expected: "the path of the JSON file with the protocol addresses, e.g. world.json",
  }),
  CHAIN: spec("CHAIN", {
    expected: `a preset chain: ${PRESET_CHAINS.join(", ")} (the deployment is built from maintained packages instead of DEPLOYMENT_FILE)`,
  }),
  WATCH: spec("WATCH", {
    default: PROTOCOLS.join(","),
    expected: `a comma-separated list of ${PROTOCOLS.join(", ")}`,
  }),
  MORPHO_MARKETS: spec("MORPHO_MARKETS", {
    expected:
      'which Morpho Blue markets to add from CreateMarket events: "listed" (only the deployment\'s), "known-tokens" (every market whose loan and collateral are deployment tokens) or a comma-separated list of market ids (default: known-tokens when the deployment lists no market, else listed)',
  }),
  MIN_PROFIT_USD: spec("MIN_PROFIT_USD", {
    default: "1",
    expected: "a decimal number of US dollars, e.g. 5 or 0.25",
  }),
  MAX_TRADE_USD: spec("MAX_TRADE_USD", {
    default: "100000",
    expected: "a decimal number of US dollars with at most 8 decimals, e.g. 50000 (0 for no limit)",
  }),
  ORDER_FLOW_WINDOW_BLOCKS: spec("ORDER_FLOW_WINDOW_BLOCKS", {
    default: "20",
    expected: "an integer number of blocks the pools' order flow is summed over, from 1 to 10000, e.g. 20",
  }),
  ORDER_FLOW_MAX_AGAINST_USD: spec("ORDER_FLOW_MAX_AGAINST_USD", {
    default: "0",
    expected:
      "a decimal number of US dollars: a rebalance waits while the order-flow window's net flow against it is worth more, e.g. 250000 (0: never, the flow is only noted)",
  }),
  FEED_MAX_AGE_S: spec("FEED_MAX_AGE_S", {
    default: "90000",
    expected:
      "a positive integer number of seconds a feed answer may be old before inventory trades refuse it (per feed: feedMaxAgeS in the deployment), e.g. 3600",
  }),
  MAX_FEED_TWAP_DEVIATION_BPS: spec("MAX_FEED_TWAP_DEVIATION_BPS", {
    default: "2500",
    expected:
      "an integer number of basis points from 0 to 10000 the feeds' price may be from a V3 pool's 30-minute TWAP for an inventory trade on it (0: no check), e.g. 2500",
  }),
  REBALANCE_THRESHOLD_BPS: spec("REBALANCE_THRESHOLD_BPS", {
    default: "30",
    expected: "an integer number of basis points from 1 to 10000, e.g. 30",
  }),
  REBALANCE_TOLERANCE_BPS: spec("REBALANCE_TOLERANCE_BPS", {
    default: "1",
    expected: "an integer number of basis points from 1 to 10000, e.g. 1",
  }),
  PLANNER: spec("PLANNER", {
    default: "sequence",
    expected:
      "sequence (the block planned as a sequence of transactions, batched and re-sized on the state each leaves) or single (one candidate at a time)",
  }),
  MAX_TX_GAS_SHARE_BPS: spec("MAX_TX_GAS_SHARE_BPS", {
    default: "5000",
    expected:
      "an integer number of basis points of the block gas limit one transaction may plan to use, from 100 to 10000 (never above 2^24 gas)",
  }),
  DRY_RUN: spec("DRY_RUN", { boolean: true, default: "false", expected: "true, false, 1, 0, yes or no" }),
  START_BLOCK: spec("START_BLOCK", {
    default: "0",
    expected: 'a non-negative block number or "earliest" (0 means the deployment\'s startBlock)',
  }),
  DISCOVERY_CONCURRENCY: spec("DISCOVERY_CONCURRENCY", {
    default: "4",
    expected:
      "an integer number of eth_getLogs requests in flight while discovery reads a long history, from 1 to 32, e.g. 4",
  }),
  DISCOVERY_RANGE_BLOCKS: spec("DISCOVERY_RANGE_BLOCKS", {
    default: "10000",
    expected:
      "a positive integer number of blocks per eth_getLogs request to start a long discovery sync with (halved on the node's range errors), e.g. 10000",
  }),
  LOG_CHUNK_BLOCKS: spec("LOG_CHUNK_BLOCKS", {
    default: "2000",
    expected: "a positive integer number of blocks per eth_getLogs request, e.g. 2000",
  }),
  MULTICALL_BATCH: spec("MULTICALL_BATCH", {
    default: "300",
    expected: "a positive integer number of calls per Multicall3 aggregate3, e.g. 300",
  }),
  POLL_INTERVAL_MS: spec("POLL_INTERVAL_MS", {
    default: "1000",
    expected: "a positive integer number of milliseconds, e.g. 1000",
  }),
  STARTUP_RETRY_S: spec("STARTUP_RETRY_S", {
    default: "60",
    expected:
      "a positive integer number of seconds the reads at start (chain id, executor, nonces, journal) retry RPC failures, e.g. 60",
  }),
  MAX_GAS_PRICE_GWEI: spec("MAX_GAS_PRICE_GWEI", {
    default: "500",
    expected: `a positive decimal number of gwei with at most 9 decimals, at most ${MAX_GAS_PRICE_GWEI_LIMIT}, e.g. 500 or 0.1`,
  }),
  PRIORITY_FEE_GWEI: spec("PRIORITY_FEE_GWEI", {
    default: "1",
    expected: "a non-negative decimal number of gwei with at most 9 decimals, e.g. 1 or 0.01",
  }),
  STUCK_BLOCKS: spec("STUCK_BLOCKS", {
    default: "3",
    expected: "a positive integer number of blocks, e.g. 3",
  }),
  CONFIRMATIONS: spec("CONFIRMATIONS", {
    default: "5",
    expected: "a non-negative integer number of blocks, e.g. 5",
  }),
  RELAY_URL: spec("RELAY_URL", {
    url: true,
    expected: "an http(s) URL of a bundle relay accepting eth_sendBundle, e.g. https://relay.flashbots.net",
  }),
  RELAY_AUTH_KEY: spec("RELAY_AUTH_KEY", {
    secret: true,
    expected: "0x followed by 64 hex digits (a 32-byte secp256k1 private key signing relay requests)",
  }),
  DECISION_LOG_RETENTION_BLOCKS: spec("DECISION_LOG_RETENTION_BLOCKS", {
    default: "100000",
    expected:
      "a positive integer number of blocks of decisions the journal keeps for keeper explain (older ones are pruned), e.g. 100000",
  }),
  DATA_DIR: spec("DATA_DIR", { default: "./data", expected: "a directory path, e.g. ./data" }),
  REPORT_FILE: spec("REPORT_FILE", { expected: "a file path, e.g. report.json" }),
  LOG_LEVEL: spec("LOG_LEVEL", { default: "info", expected: `one of ${LOG_LEVELS.join(", ")}` }),
  // No static default: it depends on whether stdout is a terminal (see loadConfig).
  LOG_FORMAT: spec("LOG_FORMAT", { expected: `one of ${LOG_FORMATS.join(", ")}` }),
  // No static default: <DATA_DIR>/KILL (see loadConfig).
  KILL_FILE: spec("KILL_FILE", { expected: "a file path, e.g. ./data/KILL" }),
  KILL_SIGNAL: spec("KILL_SIGNAL", { default: "SIGUSR2", expected: `one of ${KILL_SIGNALS.join(", ")} or none` }),
  BREAKER_FAILURES: spec("BREAKER_FAILURES", {
    default: "3",
    expected: "a positive integer number of consecutive failures, e.g. 3",
  }),
  BREAKER_COOLOFF_MS: spec("BREAKER_COOLOFF_MS", {
    default: "300000",
    expected: "a positive integer number of milliseconds, e.g. 300000",
  }),
  DAILY_GAS_CAP_ETH: spec("DAILY_GAS_CAP_ETH", {
    default: "0.5",
    expected: "a positive decimal number of ETH with at most 18 decimals, e.g. 0.5",
  }),
  DAILY_SEND_CAP: spec("DAILY_SEND_CAP", {
    default: "100",
    expected: "a positive integer number of transactions, e.g. 100",
  }),
  OPS_PORT: spec("OPS_PORT", {
    default: "9464",
    expected: 'a TCP port from 0 to 65535 (0 picks a free one) or "off", e.g. 9464',
  }),
  OPS_HOST: spec("OPS_HOST", {
    default: "127.0.0.1",
    expected: "a host name or IP address to listen on, e.g. 127.0.0.1 (0.0.0.0 for every interface)",
  }),
  OPS_TOKEN: spec("OPS_TOKEN", {
    secret: true,
    expected: "a bearer token of at least 16 characters without spaces, e.g. from openssl rand -hex 32",
  }),
  HEALTH_MAX_HEAD_AGE_S: spec("HEALTH_MAX_HEAD_AGE_S", {
    default: "120",
    expected: "a positive integer number of seconds, e.g. 120",
  }),
  DASHBOARD_BLOCKS: spec("DASHBOARD_BLOCKS", {
    default: "300",
    expected:
      "an integer number of recent blocks the ops server's /dashboard charts, from 0 to 100000 (0: no dashboard), e.g. 300",
  }),
});

const BY_FLAG: ReadonlyMap<string, SettingSpec> = new Map(
  Object.values(SETTINGS).flatMap((s) => [s.flag, ...s.aliases].map((f) => [f, s] as const)),
);

/** The setting a long flag (without its dashes) stands for, if any. */
export function settingForFlag(flag: string): SettingSpec | undefined {
  return BY_FLAG.get(flag);
}

/** All long flags, with dashes, for suggestions and help. */
export function allFlags(): string[] {
  return [...BY_FLAG.keys()].map((f) => `--${f}`);
}

/** Whether `name` is one of the keeper's settings. */
export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

/**
 * The closest candidate within `maxDistance` edits, for "did you mean" hints on typos
 * (a misspelt DRY_RUN silently ignored would send real transactions).
 */
export function closest(word: string, candidates: readonly string[], maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance counting a swap of two neighbours as one edit (the commonest typo). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length];
}
