import { createRedactor, REDACTED, redactUrl } from "../redact.js";
import { ETH_DECIMALS, formatDecimal, GWEI_DECIMALS, KILL_SIGNAL_NONE, OPS_PORT_OFF, USD_DECIMALS } from "./schema.js";
import type { SettingName } from "./settings.js";
import type { KeeperConfig } from "./types.js";

const NOT_SET = "(not set)";
/** Shortest URL part treated as a credential. */
const MIN_KEY_LENGTH = 8;

/**
 * A printable view of the configuration for startup logs, keyed by setting name, with values written
 * as they would be in `.env`. Secrets (private key, keystore password, relay key, ops token) show as
 * `<redacted>`, URLs (RPC, fork, relay) keep only their scheme and host, and any secret pasted into
 * another setting is removed as well.
 */
export function describeConfig(config: KeeperConfig): Record<string, string> {
  const view: Record<SettingName, string> = {
    RPC_URL: config.rpcUrl === undefined ? NOT_SET : redactUrl(config.rpcUrl),
    RPC_URLS: config.rpcUrls.length === 0 ? NOT_SET : config.rpcUrls.map(redactUrl).join(","),
    FORK_URL: config.forkUrl === undefined ? NOT_SET : redactUrl(config.forkUrl),
    FORK_BLOCK: config.forkBlock === undefined ? NOT_SET : String(config.forkBlock),
    PRIVATE_KEY: config.privateKey === undefined ? NOT_SET : REDACTED,
    KEYSTORE_PATH: config.keystore?.path ?? NOT_SET,
    KEYSTORE_PASSWORD: config.keystore === undefined ? NOT_SET : REDACTED,
    EXECUTOR_ADDRESS: config.executorAddress ?? NOT_SET,
    DEPLOYMENT_FILE: config.deploymentFile,
    CHAIN: config.chain ?? NOT_SET,
    WATCH: config.watch.join(","),
    MORPHO_MARKETS:
      config.morphoMarkets === undefined
        ? NOT_SET
        : config.morphoMarkets === false
          ? "listed"
          : typeof config.morphoMarkets === "string"
            ? config.morphoMarkets
            : config.morphoMarkets.join(","),
    MIN_PROFIT_USD: formatDecimal(config.minProfitUsd, USD_DECIMALS),
    MAX_TRADE_USD: formatDecimal(config.maxTradeUsd, USD_DECIMALS),
    ORDER_FLOW_WINDOW_BLOCKS: String(config.orderFlowWindowBlocks),
    ORDER_FLOW_MAX_AGAINST_USD: formatDecimal(config.orderFlowMaxAgainstUsd, USD_DECIMALS),
    FEED_MAX_AGE_S: config.feedMaxAgeS.toString(),
    MAX_FEED_TWAP_DEVIATION_BPS: config.maxFeedTwapDeviationBps.toString(),
    REBALANCE_THRESHOLD_BPS: String(config.rebalanceThresholdBps),
    REBALANCE_TOLERANCE_BPS: String(config.rebalanceToleranceBps),
    PLANNER: config.planner,
    MAX_TX_GAS_SHARE_BPS: String(config.maxTxGasShareBps),
    DRY_RUN: String(config.dryRun),
    START_BLOCK: String(config.startBlock),
    LOG_CHUNK_BLOCKS: String(config.logChunkBlocks),
    DISCOVERY_CONCURRENCY: String(config.discoveryConcurrency),
    DISCOVERY_RANGE_BLOCKS: config.discoveryRangeBlocks.toString(),
    MULTICALL_BATCH: String(config.multicallBatch),
    POLL_INTERVAL_MS: String(config.pollIntervalMs),
    STARTUP_RETRY_S: String(config.startupRetryMs / 1000),
    MAX_GAS_PRICE_GWEI: formatDecimal(config.maxGasPriceWei, GWEI_DECIMALS),
    PRIORITY_FEE_GWEI: formatDecimal(config.priorityFeeWei, GWEI_DECIMALS),
    STUCK_BLOCKS: String(config.stuckBlocks),
    CONFIRMATIONS: String(config.confirmations),
    RELAY_URL: config.relayUrl === undefined ? NOT_SET : redactUrl(config.relayUrl),
    RELAY_AUTH_KEY: config.relayAuthKey === undefined ? NOT_SET : REDACTED,
    DATA_DIR: config.dataDir,
    DECISION_LOG_RETENTION_BLOCKS: config.decisionLogRetentionBlocks.toString(),
    REPORT_FILE: config.reportFile ?? NOT_SET,
    LOG_LEVEL: config.logLevel,
    LOG_FORMAT: config.logFormat,
    KILL_FILE: config.killFile,
    KILL_SIGNAL: config.killSignal ?? KILL_SIGNAL_NONE,
    BREAKER_FAILURES: String(config.breakerFailures),
    BREAKER_COOLOFF_MS: String(config.breakerCooloffMs),
    DAILY_GAS_CAP_ETH: formatDecimal(config.dailyGasCapWei, ETH_DECIMALS),
    DAILY_SEND_CAP: String(config.dailySendCap),
    OPS_PORT: config.opsPort === undefined ? OPS_PORT_OFF : String(config.opsPort),
    OPS_HOST: config.opsHost,
    OPS_TOKEN: config.opsToken === undefined ? NOT_SET : REDACTED,
    HEALTH_MAX_HEAD_AGE_S: String(config.healthMaxHeadAgeS),
    DASHBOARD_BLOCKS: String(config.dashboardBlocks),
  };
  return createRedactor(configSecrets(config))(view);
}

/**
 * The strings that must never be printed, for {@link createLogger} and report writers: the private
 * key, the keystore password, the relay auth key, the ops token, and the credential part of the RPC,
 * fork and relay URLs (path, query, user info), where providers such as Alchemy or Infura put their API keys.
 */
export function configSecrets(config: KeeperConfig): string[] {
  const secrets: string[] = [];
  if (config.privateKey) secrets.push(config.privateKey);
  if (config.keystore) secrets.push(config.keystore.password);
  if (config.relayAuthKey) secrets.push(config.relayAuthKey);
  if (config.opsToken) secrets.push(config.opsToken);
  for (const url of [config.rpcUrl, ...config.rpcUrls, config.forkUrl, config.relayUrl])
    if (url) secrets.push(...urlCredentials(url));
  return [...new Set(secrets)];
}

/** The parts of a URL that may be an API key. */
function urlCredentials(url: string): string[] {
  const secrets: string[] = [];
  try {
    const u = new URL(url);
    // A short path ("/rpc") or user name is no credential, and hiding it would blank out every
    // occurrence of those letters in the logs; API keys are long.
    const tail = `${u.pathname}${u.search}${u.hash}`;
    if (tail.length >= MIN_KEY_LENGTH) secrets.push(tail);
    if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
    if (u.username.length >= MIN_KEY_LENGTH) secrets.push(u.username, decodeURIComponent(u.username));
  } catch {
    // Validated URLs always parse; nothing to add otherwise.
  }
  return secrets;
}
