import type { PresetChain } from "../presets/chains.js";
import type { Address, Hex } from "viem";
import type { SettingSource } from "./errors.js";
import type { StartBlock } from "./schema.js";
import type { KillSignal, LogFormat, LogLevel, Protocol, SettingName } from "./settings.js";

/** An encrypted JSON keystore to sign with; the file itself is opened by whoever builds the signer. */
export interface KeystoreConfig {
  readonly path: string;
  readonly password: string;
}

/**
 * The keeper's validated settings, frozen. Amounts are bigints in their smallest unit; see
 * `.env.example` for each setting's meaning. JSON.stringify and util.inspect print the redacted
 * {@link describeConfig} view, so logging the whole object leaks no secret.
 */
export interface KeeperConfig {
  /** The subcommand (`run` unless argv or the caller names another one). */
  readonly command: string;
  /** Positional arguments after the command. */
  readonly args: readonly string[];
  /** RPC_URL; always set for `run` unless forkUrl is. */
  readonly rpcUrl: string | undefined;
  /** RPC_URLS: more endpoints of the same chain; with RPC_URL they are read through a ranked failover. May hold API keys. */
  readonly rpcUrls: readonly string[];
  /**
   * FORK_URL: when set, `run` starts a local Hardhat fork of this chain and runs there, with the
   * fork's development accounts and a freshly deployed executor (rpcUrl, executorAddress and a signer
   * are then not required). May hold an API key: print it only through describeConfig.
   */
  readonly forkUrl?: string;
  /** FORK_BLOCK: the block to fork at (default the upstream's head); only ever set with forkUrl. */
  readonly forkBlock?: bigint;
  /** PRIVATE_KEY, lowercase; at most one of privateKey and keystore is set. */
  readonly privateKey: Hex | undefined;
  /** KEYSTORE_PATH + KEYSTORE_PASSWORD, always set together. */
  readonly keystore: KeystoreConfig | undefined;
  /** EXECUTOR_ADDRESS, checksummed; always set for `run` unless dryRun or forkUrl. */
  readonly executorAddress: Address | undefined;
  /** DEPLOYMENT_FILE: JSON file with the protocol addresses. */
  readonly deploymentFile: string;
  /** CHAIN: a preset chain whose deployment is built from packages (and the chain); replaces deploymentFile. */
  readonly chain: PresetChain | undefined;
  /** WATCH, deduplicated, in canonical order. */
  readonly watch: readonly Protocol[];
  /**
   * MORPHO_MARKETS: the Morpho markets discovery adds to the deployment's (false: none, "known-tokens", or these ids);
   * undefined leaves the deployment's own choice.
   */
  readonly morphoMarkets: false | "known-tokens" | readonly Hex[] | undefined;
  /** MIN_PROFIT_USD in USD with 8 decimals (5 USD = 500_000_000n). */
  readonly minProfitUsd: bigint;
  /** MAX_TRADE_USD in USD with 8 decimals; 0n for no limit. Larger rebalances are sliced over several blocks. */
  readonly maxTradeUsd: bigint;
  /** DECISION_LOG_RETENTION_BLOCKS: blocks of decisions the journal keeps for `keeper explain`. */
  readonly decisionLogRetentionBlocks: bigint;
  /** ORDER_FLOW_WINDOW_BLOCKS: blocks the pools' order flow is summed over (src/risk/orderFlow.ts). */
  readonly orderFlowWindowBlocks: number;
  /** ORDER_FLOW_MAX_AGAINST_USD in USD with 8 decimals; 0n: the flow is only noted in rebalance decisions. */
  readonly orderFlowMaxAgainstUsd: bigint;
  /** DISCOVERY_CONCURRENCY: eth_getLogs requests in flight during a long discovery sync. */
  readonly discoveryConcurrency: number;
  /** DISCOVERY_RANGE_BLOCKS: blocks per request a long discovery sync starts with. */
  readonly discoveryRangeBlocks: bigint;
  /** FEED_MAX_AGE_S: a feed answer older than this (and than the deployment's per-feed figure) is stale for
   *  inventory trades. */
  readonly feedMaxAgeS: bigint;
  /** MAX_FEED_TWAP_DEVIATION_BPS: largest distance of the feeds' price from a V3 pool's TWAP for an inventory trade. */
  readonly maxFeedTwapDeviationBps: bigint;
  /** REBALANCE_THRESHOLD_BPS: pools skewed by less are left alone. */
  readonly rebalanceThresholdBps: number;
  /** REBALANCE_TOLERANCE_BPS: how close to the reference price a rebalance must land; below the threshold. */
  readonly rebalanceToleranceBps: number;
  /** PLANNER: "sequence" (the block as a sequence: batches, re-sizing, bisection) or "single" (one at a time). */
  readonly planner: "sequence" | "single";
  /** MAX_TX_GAS_SHARE_BPS: share of the block gas limit one transaction may plan to use (never above 2^24). */
  readonly maxTxGasShareBps: number;
  /** DRY_RUN: simulate only, never send. */
  readonly dryRun: boolean;
  /** START_BLOCK: a block number, "earliest" (genesis), or 0n for the deployment's startBlock. */
  readonly startBlock: StartBlock;
  /** LOG_CHUNK_BLOCKS: blocks per eth_getLogs request, a bigint to add to block numbers directly. */
  readonly logChunkBlocks: bigint;
  /** MULTICALL_BATCH: calls per Multicall3 aggregate3. */
  readonly multicallBatch: number;
  /** POLL_INTERVAL_MS. */
  readonly pollIntervalMs: number;
  /** STARTUP_RETRY_S, in milliseconds: how long each read at start retries transient RPC failures. */
  readonly startupRetryMs: number;
  /** MAX_GAS_PRICE_GWEI, in wei: no transaction is sent above this max fee per gas. */
  readonly maxGasPriceWei: bigint;
  /** PRIORITY_FEE_GWEI, in wei; never above maxGasPriceWei. */
  readonly priorityFeeWei: bigint;
  /** STUCK_BLOCKS: blocks without inclusion before a transaction is replaced with higher fees (>= 1). */
  readonly stuckBlocks: number;
  /** CONFIRMATIONS: blocks after which a receipt is considered final (reorgs are watched until then). */
  readonly confirmations: number;
  /** RELAY_URL: when set, transactions go privately as eth_sendBundle bundles to this relay. May hold an API key. */
  readonly relayUrl?: string;
  /** RELAY_AUTH_KEY, lowercase: signs relay requests (reputation only); set whenever relayUrl is, never equal to privateKey. */
  readonly relayAuthKey?: Hex;
  /** DATA_DIR, as given (relative paths are relative to the working directory). */
  readonly dataDir: string;
  /** REPORT_FILE, when a report is wanted. */
  readonly reportFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** KILL_FILE: while this file exists no new transaction is sent; default `<dataDir>/KILL`. */
  readonly killFile: string;
  /** KILL_SIGNAL: the signal that engages the kill switch; undefined for none. */
  readonly killSignal: KillSignal | undefined;
  /** BREAKER_FAILURES: consecutive failures that open the circuit breaker. */
  readonly breakerFailures: number;
  /** BREAKER_COOLOFF_MS: how long an open breaker stays open. */
  readonly breakerCooloffMs: number;
  /** DAILY_GAS_CAP_ETH, in wei: gas the keeper may spend per UTC day. */
  readonly dailyGasCapWei: bigint;
  /** DAILY_SEND_CAP: transactions the keeper may send per UTC day. */
  readonly dailySendCap: number;
  /** OPS_PORT: port of the metrics and health server; 0 picks a free one; undefined for no server. */
  readonly opsPort: number | undefined;
  /** OPS_HOST: interface the ops server listens on. */
  readonly opsHost: string;
  /** OPS_TOKEN: bearer token of POST /kill and /unkill (>= 16 characters); without it they do not exist. */
  readonly opsToken?: string;
  /** HEALTH_MAX_HEAD_AGE_S: /health fails when the head block is older than this many seconds. */
  readonly healthMaxHeadAgeS: number;
  /** DASHBOARD_BLOCKS: blocks the ops server's /dashboard keeps in memory and charts; 0 for no dashboard. */
  readonly dashboardBlocks: number;
  /** Where each setting came from: flag, environment, .env file, default, or unset. */
  readonly sources: Readonly<Record<SettingName, SettingSource>>;
}
