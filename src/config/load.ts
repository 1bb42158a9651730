import { join, resolve } from "node:path";
import { inspect } from "node:util";
import type { z } from "zod";
import { describeConfig } from "./describe.js";
import { ConfigError, type ConfigIssue, type SettingSource } from "./errors.js";
import { FIELD_SCHEMAS, formatDecimal, GWEI_DECIMALS, type ParsedSettings } from "./schema.js";
import { SETTING_NAMES, SETTINGS, type SettingName } from "./settings.js";
import { mergeLayers, readEnvFile, readEnvironment, readFlags } from "./sources.js";
import type { KeeperConfig } from "./types.js";

/** The command that talks to a chain and sends transactions: the only one that needs RPC_URL and a signer. */
export const RUN_COMMAND = "run";

/** KILL_FILE's default: this name in DATA_DIR. */
export const KILL_FILE_NAME = "KILL";

/** Inputs of {@link loadConfig}; nothing is read from process globals unless passed in. */
export interface LoadConfigOptions {
  /** CLI arguments without node and the script: flags, and optionally the command as first positional. */
  argv: readonly string[];
  /** Environment variables; only the keeper's settings are read from it, and it is never modified. */
  env: NodeJS.ProcessEnv;
  /** The .env file; default `.env` in the working directory. A missing file is fine. */
  envFile?: string;
  /** The command, when the caller has already taken it out of argv; default the first positional, else `run`. */
  command?: string;
  /** Whether stdout is a terminal, which picks LOG_FORMAT's default; default `process.stdout.isTTY`. */
  stdoutIsTTY?: boolean;
}

type Parsed = Partial<ParsedSettings>;
/** Settings without a default: they stay undefined when not given. */
type OptionalSetting =
  | "RPC_URL"
  | "RPC_URLS"
  | "CHAIN"
  | "MORPHO_MARKETS"
  | "FORK_URL"
  | "FORK_BLOCK"
  | "PRIVATE_KEY"
  | "KEYSTORE_PATH"
  | "KEYSTORE_PASSWORD"
  | "EXECUTOR_ADDRESS"
  | "RELAY_URL"
  | "RELAY_AUTH_KEY"
  | "REPORT_FILE"
  | "OPS_TOKEN";
type Valid = Omit<ParsedSettings, OptionalSetting> & Partial<Pick<ParsedSettings, OptionalSetting>>;

/**
 * Loads the keeper's configuration: the .env file (into a copy, never into process.env), overridden
 * by environment variables, overridden by CLI flags; then validates every setting with its zod
 * schema and the rules between settings. Throws one {@link ConfigError} listing every problem.
 */
export function loadConfig(options: LoadConfigOptions): KeeperConfig {
  const envFile = resolve(options.envFile ?? ".env");
  const dotenv = readEnvFile(envFile);
  const environment = readEnvironment(options.env);
  const flags = readFlags(options.argv);
  const layers = [dotenv, environment, flags];
  const raw = mergeLayers(layers.map((l) => l.values));

  const command = options.command ?? flags.positionals[0] ?? RUN_COMMAND;
  const args = options.command === undefined ? flags.positionals.slice(1) : flags.positionals;
  const issues: ConfigIssue[] = layers.flatMap((l) => l.issues);
  const parsed: Parsed = {};
  // Defaults that depend on the run or on other settings; one may read only settings listed before it.
  const defaults: Partial<Record<SettingName, () => string | undefined>> = {
    LOG_FORMAT: () => ((options.stdoutIsTTY ?? process.stdout.isTTY === true) ? "pretty" : "json"),
    KILL_FILE: () => (parsed.DATA_DIR === undefined ? undefined : join(parsed.DATA_DIR, KILL_FILE_NAME)),
  };
  const sources = {} as Record<SettingName, SettingSource>;
  const texts: Partial<Record<SettingName, string>> = {};
  for (const name of SETTING_NAMES) {
    const given = raw[name];
    // A password may begin or end with a space; for everything else surrounding blanks are noise.
    const text = given && (name === "KEYSTORE_PASSWORD" ? given.text : given.text.trim());
    // An empty value clears the setting, so `REPORT_FILE=` in the environment can undo the .env file.
    const fallback = SETTINGS[name].default ?? defaults[name]?.();
    const input = text || fallback;
    sources[name] = text ? given.source : fallback !== undefined ? { kind: "default" } : { kind: "unset" };
    if (input === undefined) continue;
    texts[name] = input;
    const result = (FIELD_SCHEMAS[name] as z.ZodType<unknown, z.ZodTypeDef, string>).safeParse(input);
    if (result.success) (parsed as Record<SettingName, unknown>)[name] = result.data;
    else issues.push({ setting: name, value: input, expected: result.error.issues[0].message, source: sources[name] });
  }
  issues.push(...crossCheck(parsed, texts, sources, command));

  if (issues.length) {
    throw new ConfigError(issues, { secrets: layers.flatMap((l) => l.secrets), cause: dotenv.cause });
  }
  return freezeConfig(parsed as Valid, command, args, sources);
}

/**
 * Rules between settings; each runs only when the settings it reads are themselves valid.
 * Adjusts `p` in place where a default must yield to an explicit setting.
 */
function crossCheck(
  p: Parsed,
  texts: Partial<Record<SettingName, string>>,
  sources: Record<SettingName, SettingSource>,
  command: string,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const missing = (setting: SettingName, expected: string): void => {
    issues.push({ setting, value: undefined, expected, source: { kind: "unset" } });
  };
  const conflict = (setting: SettingName, expected: string): void => {
    issues.push({ setting, value: texts[setting], expected, source: sources[setting] });
  };
  const onlySimulate = "set DRY_RUN=true (or --dry-run) to only simulate";

  if (texts.KEYSTORE_PATH !== undefined && texts.KEYSTORE_PASSWORD === undefined) {
    missing("KEYSTORE_PASSWORD", `${SETTINGS.KEYSTORE_PASSWORD.expected}, required with KEYSTORE_PATH`);
  }
  if (texts.KEYSTORE_PASSWORD !== undefined && texts.KEYSTORE_PATH === undefined) {
    missing("KEYSTORE_PATH", `${SETTINGS.KEYSTORE_PATH.expected}, required with KEYSTORE_PASSWORD`);
  }
  if (texts.PRIVATE_KEY !== undefined && texts.KEYSTORE_PATH !== undefined) {
    conflict("KEYSTORE_PATH", "no keystore when PRIVATE_KEY is set: choose one signer");
  }
  // A preset and a file would each be a whole deployment: silently preferring one hides the other.
  if (texts.CHAIN !== undefined && sources.DEPLOYMENT_FILE.kind !== "default") {
    conflict(
      "CHAIN",
      "either CHAIN (--chain) or DEPLOYMENT_FILE (--deployment-file), not both: each is a whole deployment",
    );
  }
  if (p.FORK_BLOCK !== undefined && texts.FORK_URL === undefined) {
    conflict("FORK_BLOCK", "no FORK_BLOCK without FORK_URL: it is the block of the chain to fork");
  }
  // A fork runs on its own development accounts and deploys a fresh executor: it needs none of these.
  if (command === RUN_COMMAND && texts.FORK_URL === undefined) {
    if (texts.RPC_URL === undefined)
      missing("RPC_URL", `${SETTINGS.RPC_URL.expected}, required for ${RUN_COMMAND} unless FORK_URL is set`);
    if (p.DRY_RUN === false) {
      if (texts.EXECUTOR_ADDRESS === undefined) {
        missing(
          "EXECUTOR_ADDRESS",
          `${SETTINGS.EXECUTOR_ADDRESS.expected}, required to send transactions; ${onlySimulate}`,
        );
      }
      if (texts.PRIVATE_KEY === undefined && texts.KEYSTORE_PATH === undefined) {
        missing(
          "PRIVATE_KEY",
          `${SETTINGS.PRIVATE_KEY.expected}, or KEYSTORE_PATH + KEYSTORE_PASSWORD: a signer is required to send transactions; ${onlySimulate}`,
        );
      }
    }
  }
  if (!issues.some((i) => i.setting === "RPC_URL") && p.RPC_URLS !== undefined && texts.RPC_URL === undefined) {
    missing("RPC_URL", `${SETTINGS.RPC_URL.expected}, required with RPC_URLS (the first endpoint of the failover)`);
  }
  if (texts.RELAY_URL !== undefined && texts.RELAY_AUTH_KEY === undefined) {
    missing("RELAY_AUTH_KEY", `${SETTINGS.RELAY_AUTH_KEY.expected}, required with RELAY_URL`);
  }
  // A key for a relay that is never called means the operator expects private sends that go public.
  if (p.RELAY_AUTH_KEY !== undefined && texts.RELAY_URL === undefined) {
    conflict("RELAY_AUTH_KEY", "no RELAY_AUTH_KEY without RELAY_URL: set RELAY_URL to send privately");
  }
  // The relay key signs requests to a third party; it must not also control the funds.
  if (p.RELAY_AUTH_KEY !== undefined && p.RELAY_AUTH_KEY === p.PRIVATE_KEY) {
    conflict(
      "RELAY_AUTH_KEY",
      "a key other than PRIVATE_KEY: the relay key only builds reputation and must not hold funds",
    );
  }
  if (
    p.PRIORITY_FEE_GWEI !== undefined &&
    p.MAX_GAS_PRICE_GWEI !== undefined &&
    p.PRIORITY_FEE_GWEI > p.MAX_GAS_PRICE_GWEI
  ) {
    // The default tip yields to a low explicit cap (L2s run far below 1 gwei); an explicit tip does not.
    if (sources.PRIORITY_FEE_GWEI.kind === "default") p.PRIORITY_FEE_GWEI = p.MAX_GAS_PRICE_GWEI;
    else
      conflict(
        "PRIORITY_FEE_GWEI",
        `at most MAX_GAS_PRICE_GWEI (${formatDecimal(p.MAX_GAS_PRICE_GWEI, GWEI_DECIMALS)})`,
      );
  }
  // A tolerance at or above the threshold could leave a pool still skewed enough to trigger again.
  const { REBALANCE_TOLERANCE_BPS: tolerance, REBALANCE_THRESHOLD_BPS: threshold } = p;
  if (tolerance !== undefined && threshold !== undefined && tolerance >= threshold) {
    conflict("REBALANCE_TOLERANCE_BPS", `fewer basis points than REBALANCE_THRESHOLD_BPS (${threshold})`);
  }
  return issues;
}

function freezeConfig(
  p: Valid,
  command: string,
  args: readonly string[],
  sources: Record<SettingName, SettingSource>,
): KeeperConfig {
  const config: KeeperConfig = {
    command,
    args: Object.freeze([...args]),
    rpcUrl: p.RPC_URL,
    rpcUrls: p.RPC_URLS ?? Object.freeze([]),
    forkUrl: p.FORK_URL,
    forkBlock: p.FORK_BLOCK,
    privateKey: p.PRIVATE_KEY,
    keystore:
      p.KEYSTORE_PATH !== undefined && p.KEYSTORE_PASSWORD !== undefined
        ? Object.freeze({ path: p.KEYSTORE_PATH, password: p.KEYSTORE_PASSWORD })
        : undefined,
    executorAddress: p.EXECUTOR_ADDRESS,
    deploymentFile: p.DEPLOYMENT_FILE,
    chain: p.CHAIN,
    watch: Object.freeze([...p.WATCH]),
    morphoMarkets: p.MORPHO_MARKETS,
    minProfitUsd: p.MIN_PROFIT_USD,
    maxTradeUsd: p.MAX_TRADE_USD,
    orderFlowWindowBlocks: p.ORDER_FLOW_WINDOW_BLOCKS,
    orderFlowMaxAgainstUsd: p.ORDER_FLOW_MAX_AGAINST_USD,
    decisionLogRetentionBlocks: p.DECISION_LOG_RETENTION_BLOCKS,
    feedMaxAgeS: p.FEED_MAX_AGE_S,
    maxFeedTwapDeviationBps: p.MAX_FEED_TWAP_DEVIATION_BPS,
    rebalanceThresholdBps: p.REBALANCE_THRESHOLD_BPS,
    rebalanceToleranceBps: p.REBALANCE_TOLERANCE_BPS,
    planner: p.PLANNER,
    maxTxGasShareBps: p.MAX_TX_GAS_SHARE_BPS,
    dryRun: p.DRY_RUN,
    startBlock: p.START_BLOCK,
    logChunkBlocks: p.LOG_CHUNK_BLOCKS,
    discoveryConcurrency: p.DISCOVERY_CONCURRENCY,
    discoveryRangeBlocks: p.DISCOVERY_RANGE_BLOCKS,
    multicallBatch: p.MULTICALL_BATCH,
    pollIntervalMs: p.POLL_INTERVAL_MS,
    startupRetryMs: p.STARTUP_RETRY_S * 1000,
    maxGasPriceWei: p.MAX_GAS_PRICE_GWEI,
    priorityFeeWei: p.PRIORITY_FEE_GWEI,
    stuckBlocks: p.STUCK_BLOCKS,
    confirmations: p.CONFIRMATIONS,
    relayUrl: p.RELAY_URL,
    relayAuthKey: p.RELAY_AUTH_KEY,
    dataDir: p.DATA_DIR,
    reportFile: p.REPORT_FILE,
    logLevel: p.LOG_LEVEL,
    logFormat: p.LOG_FORMAT,
    killFile: p.KILL_FILE,
    killSignal: p.KILL_SIGNAL,
    breakerFailures: p.BREAKER_FAILURES,
    breakerCooloffMs: p.BREAKER_COOLOFF_MS,
    dailyGasCapWei: p.DAILY_GAS_CAP_ETH,
    dailySendCap: p.DAILY_SEND_CAP,
    opsPort: p.OPS_PORT,
    opsHost: p.OPS_HOST,
    opsToken: p.OPS_TOKEN,
    healthMaxHeadAgeS: p.HEALTH_MAX_HEAD_AGE_S,
    dashboardBlocks: p.DASHBOARD_BLOCKS,
    sources: Object.freeze({ ...sources }),
  };
  // Non-enumerable, so they do not show up as settings, yet `logger.info({ config })`,
  // JSON.stringify and console.log all print the redacted view instead of the key.
  const view = (): Record<string, string> => describeConfig(config);
  Object.defineProperty(config, "toJSON", { value: view });
  Object.defineProperty(config, inspect.custom, { value: view });
  return Object.freeze(config);
}
