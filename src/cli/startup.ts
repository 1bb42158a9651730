/**
 * What `keeper run` checks and prepares before its loop: every read retried through transient RPC failures
 * (a restart while the node is flaky must not die of one 503), the executor checked to be ours, and the private
 * relay's submit function shared by the sender and the restart's reconciliation.
 */
import { writeFileSync } from "node:fs";
import { Wallet } from "ethers";
import { getAddress, parseAbi, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { resolveChain } from "../chain/clients.js";
import { wrappedNativeToken, type Deployment } from "../chain/deployment.js";
import { ReferencePriceReader } from "../protocols/feeds/reference.js";
import { retryTransient } from "../chain/retry.js";
import type { KeeperConfig } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { sendBundle } from "../executor/relay/index.js";
import { emptyReport, reportToJson, type KeeperReport } from "../keeper/report.js";
import { createRedactor, redactUrlsInText } from "../redact.js";

const executorAbi = parseAbi(["function keeper() view returns (address)", "function owner() view returns (address)"]);

/** A chain read wrapped for startup; `what` follows "Could not" in the error that ends a persistent failure. */
export type StartupRead = <T>(what: string, read: () => Promise<T>) => Promise<T>;

/** Startup reads that retry transient failures for `config.startupRetryMs` each, logging every retry. */
export function startupReader(
  config: Pick<KeeperConfig, "startupRetryMs">,
  rpcUrl: string,
  onRetry: (info: { what: string; attempt: number; delayMs: number; error: string }) => void,
): StartupRead {
  return (what, read) =>
    retryTransient(what, read, {
      totalMs: config.startupRetryMs,
      rpcUrl,
      onRetry: (i) =>
        onRetry({
          what: i.what,
          attempt: i.attempt,
          delayMs: i.delayMs,
          error: redactUrlsInText(i.error instanceof Error ? i.error.message.split("\n")[0] : String(i.error)),
        }),
    });
}

/** The RPC's chain, its id read with retries. */
export function resolveChainWithRetry(read: StartupRead, rpcUrl: string, multicall3: Address): Promise<Chain> {
  return read("read the chain id", () => resolveChain(rpcUrl, multicall3));
}

/** EXECUTOR_ADDRESS holds no contract on this chain. */
export class ExecutorMissingError extends KeeperError {
  override name = "ExecutorMissingError";
  constructor(executor: Address, chainId: number) {
    super(`There is no contract at EXECUTOR_ADDRESS ${executor} on chain ${chainId}.`, {
      metaMessages: [
        "Check EXECUTOR_ADDRESS and RPC_URL: the executor must be deployed on the chain the RPC serves (`npm run deploy:executor`).",
      ],
    });
  }
}

/** The signer may not start the executor's actions: every send would revert with NotAuthorized. */
export class SignerNotAuthorizedError extends KeeperError {
  override name = "SignerNotAuthorizedError";
  constructor(
    readonly signer: Address,
    readonly executor: Address,
    readonly owner: Address,
    readonly keeper: Address,
  ) {
    super(`The signer ${signer} is neither the owner nor the keeper of the executor ${executor}.`, {
      metaMessages: [
        `The executor's owner is ${owner} and its keeper is ${keeper}.`,
        "Use the keeper's key (PRIVATE_KEY or KEYSTORE_PATH), or have the owner call setKeeper with the signer's address.",
      ],
    });
  }
}

/** Reads the executor's owner and keeper (with retries); throws when there is no contract, or the signer is neither. */
export async function checkExecutor(
  client: PublicClient<Transport, Chain>,
  read: StartupRead,
  params: { executor: Address; signer?: Address },
): Promise<{ owner: Address; keeper: Address }> {
  const { executor } = params;
  const code = await read(`read the code of the executor ${executor}`, () => client.getCode({ address: executor }));
  if (!code || code === "0x") throw new ExecutorMissingError(executor, client.chain.id);
  const [owner, keeper] = await Promise.all(
    (["owner", "keeper"] as const).map((functionName) =>
      read(`read the executor's ${functionName}()`, () =>
        client.readContract({ address: executor, abi: executorAbi, functionName }),
      ),
    ),
  );
  const signer = params.signer && getAddress(params.signer);
  if (signer && signer !== getAddress(owner) && signer !== getAddress(keeper))
    throw new SignerNotAuthorizedError(signer, executor, owner, keeper);
  return { owner, keeper };
}

/**
 * With RELAY_URL: the one way the keeper submits signed bytes, used by the sender and by the restart's rebroadcast
 * alike (a restart must not leak a private transaction to the public mempool). A bundle is only valid for its
 * target block: it is offered for the next STUCK_BLOCKS blocks, the sender replaces it after that.
 */
export function relaySubmit(
  config: Pick<KeeperConfig, "relayUrl" | "relayAuthKey" | "stuckBlocks">,
): ((raw: Hex, head: bigint) => Promise<void>) | undefined {
  if (!config.relayUrl || !config.relayAuthKey) return undefined;
  const relayUrl = config.relayUrl;
  const authSigner = new Wallet(config.relayAuthKey);
  return async (raw, head) => {
    for (let i = 1n; i <= BigInt(config.stuckBlocks); i++)
      await sendBundle({ relayUrl, authSigner, signedTransactions: [raw], blockNumber: head + i });
  };
}

/**
 * Writes the run's report with every secret and URL credential removed; after a failure (`error`), the report so
 * far (or an empty one for `chainId`, 0 when not read yet) with the redacted error, so a crash at start still
 * leaves a report.
 */
export function writeRedactedReport(
  file: string,
  secrets: readonly string[],
  report: KeeperReport | { chainId: number; dryRun: boolean },
  error?: unknown,
): void {
  const redact = createRedactor(secrets);
  const full = "liquidations" in report ? report : emptyReport(report.chainId, report.dryRun);
  const body = JSON.parse(reportToJson(full)) as Record<string, unknown>;
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    body.error = { name: error instanceof Error ? error.name : "Error", message: redactUrlsInText(redact(message)) };
  }
  const safe = redact(body);
  writeFileSync(
    file,
    `${JSON.stringify(safe, (_, v: unknown) => (typeof v === "string" ? redactUrlsInText(v) : v), 2)}\n`,
  );
}

/**
 * MIN_PROFIT_USD in wei at the wrapped native token's price (its feed, else the Aave oracle; read with retries): the least a fee bump must leave of a
 * transaction's profit. 0 when the feed gives no usable answer (the bump is then capped by the profit alone).
 */
export async function profitFloorWei(
  client: PublicClient<Transport, Chain>,
  read: StartupRead,
  deployment: Deployment,
  minProfitUsd: bigint,
): Promise<bigint> {
  const native = wrappedNativeToken(deployment);
  const feed = deployment.feeds[deployment.wrappedNative ?? "WETH"] ?? deployment.feeds[native.symbol];
  // Without a feed, the Aave oracle's price (a preset lists no feeds).
  const oracle = deployment.aave?.oracle;
  if ((!feed && !oracle) || minProfitUsd === 0n) return 0n;
  const reader = new ReferencePriceReader([
    { token: native.address, symbol: native.symbol, decimals: native.decimals, feed, oracle },
  ]);
  const {
    prices: [price],
  } = await read("read the native token's price", () => reader.read(client));
  return price ? (minProfitUsd * 10n ** 18n) / price.usd8 : 0n;
}
