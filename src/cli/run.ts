import { writeFileSync } from "node:fs";
import { getAddress, parseAbi, type Address } from "viem";
import { createHttpClients, resolveChain } from "../chain/clients.js";
import { loadDeployment } from "../chain/deployment.js";
import { configSecrets, describeConfig, type KeeperConfig } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { createExecuteFn } from "../keeper/execute.js";
import { Keeper, type KeeperEvent } from "../keeper/keeper.js";
import { reportToJson } from "../keeper/report.js";
import { createLogger } from "../ops/logger.js";
import { strategyContextFor } from "../demo/demo.js";
import { Watcher, type WatchTarget } from "../watcher/watcher.js";
import { loadSigner } from "./signer.js";

const executorAbi = parseAbi(["function keeper() view returns (address)", "function owner() view returns (address)"]);

/**
 * `keeper run`: the keeper against any JSON-RPC endpoint (a `hardhat node` holding the world, a
 * `hardhat node --fork <url>`, or a live chain), until SIGINT/SIGTERM. Returns the process exit code.
 */
export async function runKeeper(config: KeeperConfig, options: { maxBlocks?: number } = {}): Promise<number> {
  const signer = await loadSigner(config);
  const log = createLogger({ level: config.logLevel, format: config.logFormat, secrets: configSecrets(config) });
  log.info({ config: describeConfig(config) }, "starting keeper");
  const deployment = loadDeployment(config.deploymentFile);
  const chain = await resolveChain(config.rpcUrl!, deployment.multicall3);
  if (deployment.chainId !== undefined && deployment.chainId !== chain.id) {
    throw new KeeperError(`The deployment file is for chain ${deployment.chainId}, the RPC serves chain ${chain.id}.`, {
      metaMessages: ["Point DEPLOYMENT_FILE at the addresses of this chain."],
    });
  }
  if (!config.executorAddress) throw new KeeperError("EXECUTOR_ADDRESS is not set.", { metaMessages: ["Deploy it with `npm run deploy:executor`."] });
  const executor = getAddress(config.executorAddress);
  // Without a key the keeper can still dry-run: it simulates as the executor's configured keeper account.
  const probe = createHttpClients({ chain, rpcUrl: config.rpcUrl!, account: "0x0000000000000000000000000000000000000001" });
  let account: Address | typeof signer;
  if (signer) account = signer;
  else {
    account = await probe.public.readContract({ address: executor, abi: executorAbi, functionName: "keeper" });
    log.warn({ simulatingAs: account }, "no PRIVATE_KEY or keystore: dry-run only");
  }
  const clients = createHttpClients({ chain, rpcUrl: config.rpcUrl!, account: account!, pollingInterval: Math.min(config.pollIntervalMs, 1000) });
  const watch = new Set(config.watch as WatchTarget[]);
  const start = config.startBlock === "earliest" ? 0n : config.startBlock === 0n ? deployment.startBlock : config.startBlock;
  const watcher = new Watcher(clients.public, deployment, { watch, multicallChunk: config.multicallBatch, logChunkBlocks: config.logChunkBlocks, startBlock: start });
  const dryRun = config.dryRun || !signer;
  const keeper = new Keeper({
    client: clients.public,
    watcher,
    strategy: strategyContextFor(deployment, {
      minProfitUsd: config.minProfitUsd,
      priorityFeePerGas: config.priorityFeeWei,
      thresholdBps: BigInt(config.rebalanceThresholdBps),
      toleranceBps: config.rebalanceToleranceBps,
    }),
    execute: createExecuteFn({
      clients,
      executor,
      dryRun,
      fees: { priorityFeePerGas: config.priorityFeeWei, maxFeePerGasCap: config.maxGasPriceWei },
      wethToken: deployment.tokens.WETH.address,
    }),
    dryRun,
    onEvent: (e: KeeperEvent) => logEvent(log, e),
  });
  const abort = new AbortController();
  const stop = (signal: string) => {
    log.info({ signal }, "stopping after the current block");
    abort.abort();
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  await keeper.run({ signal: abort.signal, pollIntervalMs: config.pollIntervalMs, maxBlocks: options.maxBlocks });
  if (config.reportFile) writeFileSync(config.reportFile, reportToJson(keeper.report));
  log.info(
    { liquidations: keeper.report.liquidations.length, rebalances: keeper.report.rebalances.length, skipped: keeper.report.skipped.length, failures: keeper.report.failures.length },
    "keeper stopped",
  );
  return 0;
}

function logEvent(log: ReturnType<typeof createLogger>, e: KeeperEvent): void {
  switch (e.type) {
    case "block":
      log.info(
        { block: e.snapshot.blockNumber.toString(), borrowers: e.snapshot.stats.borrowersWatched, underwater: e.underwater, candidates: e.candidates, readMs: Math.round(e.snapshot.stats.readMs) },
        "block",
      );
      break;
    case "skip":
      log.info({ block: e.block.toString(), id: e.id, reason: e.reason, ...e.context }, "skip");
      break;
    case "send":
      log.info({ block: e.block.toString(), id: e.candidate.opportunity.id, action: e.candidate.action.kind, ...e.candidate.context }, "act");
      break;
    case "outcome": {
      const o = e.outcome;
      const base = { block: e.block.toString(), id: e.candidate.opportunity.id, status: o.status };
      if (o.status === "mined") log.info({ ...base, tx: o.hash, minedIn: o.blockNumber.toString(), profit: o.profit.toString(), gasUsed: o.gasUsed.toString() }, "done");
      else if (o.status === "reverted") log.error({ ...base, error: o.error, tx: o.hash }, "failed");
      else if (o.status === "skipped") log.info({ ...base, reason: o.reason }, "held");
      else log.info({ ...base, profit: o.profit.toString(), gas: o.gas.toString() }, "dry-run");
      break;
    }
  }
}
