import { wrappedNativeToken } from "../chain/deployment.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { getAddress, type Address, type LocalAccount } from "viem";
import { createHttpClients } from "../chain/clients.js";
import { devAccount } from "../chain/devAccounts.js";
import { configuredDeployment } from "./deployment.js";
import { configSecrets, describeConfig, type KeeperConfig } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { checkDeploymentOnFork, prepareForkExecutor, startLocalFork, type LocalFork } from "../fork/fork.js";
import { Journal } from "../journal/index.js";
import { DiscoveryStore } from "../journal/discoveryStore.js";
import { createExecuteFn, SendPipeline } from "../keeper/pipeline.js";
import { MissedLiquidationAudit } from "../keeper/audit.js";
import { DecisionLog } from "../keeper/decisionLog.js";
import { Keeper, type KeeperEvent } from "../keeper/keeper.js";
import { createLogger } from "../ops/logger.js";
import {
  createMetrics,
  observeKeeperEvent,
  observeRpcRequest,
  recordMissedLiquidation,
  recordRpcError,
  rpcKindOfError,
} from "../ops/metrics.js";
import { CircuitBreaker, DailyCaps, KillSwitch, SafetyGate } from "../safety/index.js";
import { healthFromMetrics, startOpsServer, type OpsServer } from "../ops/server.js";
import { DiscoverySyncStatus, withDiscoverySync } from "../ops/discoveryProgress.js";
import { DashboardState } from "../ops/dashboard/state.js";
import { createRedactor } from "../redact.js";
import { NonceManager, ReorgTracker, TxSender, reconcile } from "../txlayer/index.js";
import { Watcher } from "../watcher/watcher.js";
import { strategyFromConfig, watcherOptionsFromConfig } from "./fromConfig.js";
import { logEvent } from "./logEvent.js";
import { loadSignerWithSecret } from "./signer.js";
import {
  checkExecutor,
  profitFloorWei,
  relaySubmit,
  resolveChainWithRetry,
  startupReader,
  writeRedactedReport,
} from "./startup.js";

/**
 * `keeper run`: the keeper against a chain until SIGINT/SIGTERM, or, with FORK_URL, against a local Hardhat fork
 * of it (a rehearsal with a fresh executor and the fork's development accounts; nothing reaches the real chain).
 * Every send goes through the safety gate and the journaled transaction layer. Every read at start retries
 * transient RPC failures (STARTUP_RETRY_S). On any failure the report file is still written, redacted, with the
 * error. Returns the exit code.
 */
export async function runKeeper(config: KeeperConfig, options: { maxBlocks?: number } = {}): Promise<number> {
  const secrets = configSecrets(config);
  const closers: (() => Promise<void> | void)[] = [];
  let keeper: Keeper | undefined;
  // What the report says when the run stops before the keeper exists.
  const known = { chainId: 0, dryRun: config.dryRun };
  try {
    // Before the logger: a key decrypted from a keystore must be among the secrets it never prints.
    const signer = await loadSignerWithSecret(config);
    if (signer.secret) secrets.push(signer.secret);
    const log = createLogger({ level: config.logLevel, format: config.logFormat, secrets });
    log.info({ config: describeConfig(config) }, "starting keeper");
    if (config.confirmations === 0)
      log.warn(
        { setting: "CONFIRMATIONS", value: 0 },
        "CONFIRMATIONS=0: a receipt counts as final once mined, so a reorg that drops it goes unnoticed",
      );
    // A preset resolves its pools on the real chain (with FORK_URL, the chain the fork copies).
    const deployment = await configuredDeployment(config, config.forkUrl ?? config.rpcUrl);
    const metrics = createMetrics({ nativeToken: wrappedNativeToken(deployment).address });
    let rpcUrl = config.rpcUrl;
    let executor = config.executorAddress ? getAddress(config.executorAddress) : undefined;
    let account: LocalAccount | undefined = signer.account;
    let dataDir = config.dataDir;
    let fork: LocalFork | undefined;
    if (config.forkUrl) {
      fork = await startLocalFork({ upstreamUrl: config.forkUrl, forkBlock: config.forkBlock });
      closers.push(() => fork!.stop());
      await checkDeploymentOnFork(fork, deployment);
      const prepared = await prepareForkExecutor(fork);
      executor = prepared.executor;
      account = devAccount(1);
      rpcUrl = fork.url;
      // A rehearsal keeps its own journal: it must never make the live keeper think a nonce is spoken for.
      dataDir = join(config.dataDir, `fork-${fork.forkBlock}-${Date.now()}`);
      log.info({ forkUrl: fork.url, forkBlock: fork.forkBlock.toString(), executor }, "rehearsing on a local fork");
    }
    if (!rpcUrl)
      throw new KeeperError("RPC_URL is not set.", {
        metaMessages: ["Pass --rpc <url> (or --fork-url <url> to rehearse on a fork)."],
      });
    if (!executor)
      throw new KeeperError("EXECUTOR_ADDRESS is not set.", {
        metaMessages: ["Deploy it with `npm run deploy:executor`."],
      });
    const read = startupReader(config, rpcUrl, (i) => log.warn(i, "RPC read failed at start; retrying"));
    const chain = await resolveChainWithRetry(read, rpcUrl, deployment.multicall3);
    known.chainId = chain.id;
    if (!fork && deployment.chainId !== undefined && deployment.chainId !== chain.id) {
      throw new KeeperError(
        `The deployment file is for chain ${deployment.chainId}, the RPC serves chain ${chain.id}.`,
        {
          metaMessages: ["Point DEPLOYMENT_FILE at the addresses of this chain."],
        },
      );
    }
    const dryRun = config.dryRun || !account;
    known.dryRun = dryRun;
    const probe = createHttpClients({ chain, rpcUrl, account: "0x0000000000000000000000000000000000000001" });
    const roles = await checkExecutor(probe.public, read, { executor, signer: account?.address });
    // Without a key the keeper still dry-runs: it simulates as the executor's configured keeper account.
    let simulateAs: Address | LocalAccount | undefined = account;
    if (!simulateAs) {
      simulateAs = roles.keeper;
      log.warn({ simulatingAs: simulateAs }, "no PRIVATE_KEY or keystore: dry-run only");
    }
    const clients = createHttpClients({
      chain,
      rpcUrl,
      // A fork is one local node: the failover endpoints are the real chain's.
      rpcUrls: fork ? [] : config.rpcUrls,
      onRequest: (e) => observeRpcRequest(metrics, e),
      account: simulateAs,
      pollingInterval: Math.min(config.pollIntervalMs, 1000),
    });

    const killSwitch = new KillSwitch({
      file: config.killFile,
      signal: config.killSignal ?? false,
      logger: log,
      metrics,
    });
    closers.push(() => killSwitch.close());
    mkdirSync(dataDir, { recursive: true });
    const journal = Journal.open(dataDir);
    closers.push(() => journal.close());
    // The decision log `keeper explain` reads; flushed before the journal closes (closers run in reverse).
    const decisions = new DecisionLog({
      journal,
      retentionBlocks: config.decisionLogRetentionBlocks,
      onError: (err) =>
        log.warn(
          { error: err instanceof Error ? err.message.split("\n")[0] : String(err) },
          "decision log write failed",
        ),
    });
    closers.push(() => decisions.flush());
    // Liquidations others won, set against the decision log (read after it flushed the blocks before).
    const audit = new MissedLiquidationAudit({
      journal,
      executor,
      client: clients.public,
      retentionBlocks: config.decisionLogRetentionBlocks,
      onMiss: (miss) => {
        recordMissedLiquidation(metrics, miss);
        log.info(
          {
            protocol: miss.protocol,
            borrower: miss.borrower,
            block: miss.block.toString(),
            cause: miss.cause,
            code: miss.code,
            blocksLate: miss.blocksLate?.toString(),
            liquidator: miss.liquidator,
          },
          "liquidation won by another liquidator",
        );
      },
      onError: (err) =>
        log.warn(
          { error: err instanceof Error ? err.message.split("\n")[0] : String(err) },
          "liquidation audit failed",
        ),
    });
    closers.push(() => audit.idle());
    // The borrower/position index and its checkpoint: a restart resumes discovery there (a cache: safe to delete).
    const discoveryStore = DiscoveryStore.open(dataDir);
    closers.push(() => discoveryStore.close());
    const sync = new DiscoverySyncStatus({ logger: log });
    const dayStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const caps = new DailyCaps({
      maxGasWeiPerDay: config.dailyGasCapWei,
      maxSendsPerDay: config.dailySendCap,
      logger: log,
      metrics,
    });
    caps.init(journal.gasSpentSince(dayStart), journal.sendsSince(dayStart));
    const breaker = new CircuitBreaker({
      failureThreshold: config.breakerFailures,
      coolOff: { ms: config.breakerCooloffMs },
      logger: log,
      metrics,
    });
    const gate = new SafetyGate({ dryRun, killSwitch, breaker, caps, logger: log, metrics });
    let ops: OpsServer | undefined;
    // The dashboard's memory of recent blocks, fed by the keeper's events; only with an ops server to show it.
    const dashboard =
      config.opsPort !== undefined && config.dashboardBlocks > 0
        ? new DashboardState({ blocks: config.dashboardBlocks, nativeToken: wrappedNativeToken(deployment).address })
        : undefined;
    if (config.opsPort !== undefined) {
      ops = await startOpsServer({
        port: config.opsPort,
        host: config.opsHost,
        metrics,
        health: withDiscoverySync(healthFromMetrics(metrics), sync),
        killSwitch,
        token: config.opsToken,
        maxHeadAgeSeconds: config.healthMaxHeadAgeS,
        logger: log,
        dashboard: dashboard && {
          state: dashboard,
          safety: () => gate.state(),
          discovery: () => sync.indexes(),
          redact: createRedactor(secrets),
        },
      });
      closers.push(() => ops!.close());
      log.info(
        { url: ops.url, ...(dashboard ? { dashboard: `${ops.url}/dashboard/` } : {}) },
        "metrics on /metrics, health on /health",
      );
    }

    const abort = new AbortController();
    let pipeline: SendPipeline;
    if (account && !dryRun) {
      const nonces = new NonceManager({
        address: account.address,
        client: clients.public,
        inFlight: () => journal.inFlightNonces(account!.address),
      });
      const submitRaw = relaySubmit(config);
      // Before anything new is sent: settle what a previous run left in flight, through the same submit path as
      // the sender, and without rebroadcasting while the kill switch is engaged.
      const rec = await reconcile(journal, clients.public, {
        nonces,
        submitRaw,
        allowRebroadcast: () => killSwitch.allowsSend(),
        read,
      });
      log.info(
        { ...Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, Array.isArray(v) ? v.length : v])) },
        "journal reconciled with the chain",
      );
      const sender = new TxSender({
        client: clients.public,
        account,
        journal,
        nonces,
        executor,
        policy: {
          priorityFeePerGas: config.priorityFeeWei,
          maxFeeCapWei: config.maxGasPriceWei,
          stuckBlocks: config.stuckBlocks,
          // A bump may spend the profit down to MIN_PROFIT_USD, priced in wei at start.
          minProfitFloorWei: await profitFloorWei(clients.public, read, deployment, config.minProfitUsd),
        },
        submitRaw,
        onEvent: (e) =>
          log.info(
            {
              ...e,
              ...("maxFeePerGas" in e
                ? { maxFeePerGas: e.maxFeePerGas.toString(), maxPriorityFeePerGas: e.maxPriorityFeePerGas.toString() }
                : {}),
            },
            `tx ${e.type}`,
          ),
      });
      const tracker = new ReorgTracker({
        client: clients.public,
        journal,
        confirmations: config.confirmations,
        nonces,
        onReorg: (i) =>
          log.warn(
            { intent: i.id, opportunity: i.opportunityId },
            "receipt left the canonical chain: back to evaluation",
          ),
      });
      pipeline = new SendPipeline({
        mode: {
          dryRun: false,
          sender,
          tracker,
          pollIntervalMs: Math.min(config.pollIntervalMs, 250),
          signal: abort.signal,
        },
        gate,
      });
    } else {
      // Dry-run: the same guards, then stop - nothing signed, no nonce, nothing journaled.
      pipeline = new SendPipeline({
        mode: {
          dryRun: true,
          client: clients.public,
          executor,
          account: simulateAs,
          fees: { priorityFeePerGas: config.priorityFeeWei, maxFeePerGasCap: config.maxGasPriceWei },
        },
      });
    }

    const watcher = new Watcher(
      clients.public,
      deployment,
      watcherOptionsFromConfig(deployment, config, executor, { store: discoveryStore, onProgress: sync.onProgress }),
    );
    keeper = new Keeper({
      client: clients.public,
      watcher,
      strategy: strategyFromConfig(deployment, config),
      planner: config.planner,
      settleInBackground: true,
      maxTxGasShareBps: BigInt(config.maxTxGasShareBps),
      execute: createExecuteFn(pipeline, { wethToken: wrappedNativeToken(deployment).address }),
      dryRun,
      onError: (err, n) => {
        recordRpcError(metrics, rpcKindOfError(err));
        log.warn(
          { consecutiveFailures: n, error: err instanceof Error ? err.message.split("\n")[0] : String(err) },
          "block failed; retrying with backoff",
        );
      },
      onEvent: (e: KeeperEvent) => {
        observeKeeperEvent(metrics, e);
        if (e.type === "block") gate.onBlock(e.snapshot.blockNumber);
        logEvent(log, e);
        decisions.onEvent(e);
        audit.onEvent(e);
        dashboard?.onEvent(e);
      },
    });
    const stop = (signal: string) => {
      log.info({ signal }, "stopping: finishing or recording the send in flight, then exiting");
      abort.abort();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    await keeper.run({ signal: abort.signal, pollIntervalMs: config.pollIntervalMs, maxBlocks: options.maxBlocks });
    if (config.reportFile) writeRedactedReport(config.reportFile, secrets, keeper.report);
    log.info(
      {
        liquidations: keeper.report.liquidations.length,
        rebalances: keeper.report.rebalances.length,
        skipped: keeper.report.skipped.length,
        failures: keeper.report.failures.length,
      },
      "keeper stopped",
    );
    return 0;
  } catch (err) {
    // Whatever stopped the run, the operator gets the report (with what was done before, if anything).
    if (config.reportFile) writeRedactedReport(config.reportFile, secrets, keeper?.report ?? known, err);
    throw err;
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
