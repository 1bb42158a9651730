import type { Address, Hex } from "viem";
import type { SettingSource } from "./errors.js";
import type { StartBlock } from "./schema.js";
import type { LogFormat, LogLevel, Protocol, SettingName } from "./settings.js";

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
  /** RPC_URL; always set for `run`. */
  readonly rpcUrl: string | undefined;
  /** PRIVATE_KEY, lowercase; at most one of privateKey and keystore is set. */
  readonly privateKey: Hex | undefined;
  /** KEYSTORE_PATH + KEYSTORE_PASSWORD, always set together. */
  readonly keystore: KeystoreConfig | undefined;
  /** EXECUTOR_ADDRESS, checksummed; always set for `run` unless dryRun. */
  readonly executorAddress: Address | undefined;
  /** DEPLOYMENT_FILE: JSON file with the protocol addresses. */
  readonly deploymentFile: string;
  /** WATCH, deduplicated, in canonical order. */
  readonly watch: readonly Protocol[];
  /** MIN_PROFIT_USD in USD with 8 decimals (5 USD = 500_000_000n). */
  readonly minProfitUsd: bigint;
  /** REBALANCE_THRESHOLD_BPS: pools skewed by less are left alone. */
  readonly rebalanceThresholdBps: number;
  /** REBALANCE_TOLERANCE_BPS: how close to the reference price a rebalance must land; below the threshold. */
  readonly rebalanceToleranceBps: number;
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
  /** MAX_GAS_PRICE_GWEI, in wei: no transaction is sent above this max fee per gas. */
  readonly maxGasPriceWei: bigint;
  /** PRIORITY_FEE_GWEI, in wei; never above maxGasPriceWei. */
  readonly priorityFeeWei: bigint;
  /** DATA_DIR, as given (relative paths are relative to the working directory). */
  readonly dataDir: string;
  /** REPORT_FILE, when a report is wanted. */
  readonly reportFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Where each setting came from: flag, environment, .env file, default, or unset. */
  readonly sources: Readonly<Record<SettingName, SettingSource>>;
}
