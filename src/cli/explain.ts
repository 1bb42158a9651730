/**
 * `keeper explain <account|pool|opportunity-id|tx-hash> [--block N] [--data-dir D] [--limit N]`: what the keeper
 * saw and decided about one subject, block by block, read from the journal's decision log (and, for a transaction,
 * from its intent, attempts and receipt). Opens the journal read-only: safe while the keeper runs.
 */
import { SETTINGS } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { Journal, type DecisionRecord, type IntentRecord } from "../journal/index.js";
import { takeFlags } from "./flags.js";

/** Rows printed at most when --limit is not given: the latest ones. */
export const DEFAULT_EXPLAIN_LIMIT = 500;

export interface ExplainOptions {
  /** Only this block. */
  block?: bigint;
  limit?: number;
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

function describeIntent(journal: Journal, intent: IntentRecord): string[] {
  const lines = [
    `intent ${intent.id}: ${intent.actionKind} for ${intent.opportunityId}, seen in block ${intent.blockSeen}, state ${intent.state}` +
      (intent.reason ? ` (${intent.reason})` : ""),
    `  expected profit ${intent.expectedProfitWei} wei` +
      (intent.simulation
        ? `; simulated profit ${intent.simulation.profit}, gas ${intent.simulation.gas}, gas limit ${intent.simulation.gasLimit}`
        : ""),
  ];
  for (const a of journal.attempts(intent.id))
    lines.push(
      `  ${a.kind} ${a.hash} nonce ${a.nonce}: ${a.state}` +
        (a.broadcastBlock !== undefined ? `, broadcast at block ${a.broadcastBlock}` : "") +
        `, max fee ${a.maxFeePerGas} wei/gas (priority ${a.maxPriorityFeePerGas})` +
        (a.error ? `, error: ${a.error}` : ""),
    );
  const r = intent.receipt;
  if (r)
    lines.push(
      `  receipt ${r.hash}: ${r.status} in block ${r.blockNumber}, gas used ${r.gasUsed} at ${r.effectiveGasPrice} wei/gas (${r.gasCostWei} wei)`,
    );
  return lines;
}

function describeDecisions(rows: readonly DecisionRecord[]): string[] {
  const lines: string[] = [];
  let block: bigint | undefined;
  for (const d of rows) {
    if (d.block !== block) {
      block = d.block;
      lines.push(`block ${d.block}`);
    }
    const code = d.code ? ` [${d.code}]` : "";
    lines.push(
      `  ${d.kind}${code} ${d.opportunityId}: ${d.message}${d.txHash && !d.message.includes(d.txHash) ? ` (tx ${d.txHash})` : ""}`,
    );
  }
  return lines;
}

/** The text `keeper explain` prints about `subject`. */
export function explain(journal: Journal, subject: string, options: ExplainOptions = {}): string {
  const q = {
    limit: options.limit ?? DEFAULT_EXPLAIN_LIMIT,
    ...(options.block !== undefined ? { fromBlock: options.block, toBlock: options.block } : {}),
  };
  const lines: string[] = [];
  let decisions = journal.decisionsFor(subject, q);
  if (TX_HASH.test(subject)) {
    const intent = journal.intentByTxHash(subject);
    if (intent) {
      lines.push(...describeIntent(journal, intent));
      // The transaction's opportunity, block by block: what led to it and how it ended.
      decisions = journal.decisionsFor(intent.opportunityId, q);
    }
  }
  if (decisions.length > 0) {
    const where = options.block !== undefined ? ` in block ${options.block}` : "";
    lines.push(
      `decisions about ${subject}${where} (oldest first, at most ${q.limit}):`,
      ...describeDecisions(decisions),
    );
  }
  if (lines.length === 0) {
    const range = journal.decisionRange();
    const since = range
      ? `the keeper records decisions since block ${range.first}`
      : "the decision log is empty: the keeper has recorded no decision yet";
    const where = options.block !== undefined ? ` in block ${options.block}` : "";
    lines.push(`nothing recorded about ${subject}${where} (${since})`);
  }
  return lines.join("\n");
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new KeeperError(`Invalid --${flag} "${text}".`, { metaMessages: ["Expected a positive integer."] });
  return Number(text);
}

/** `keeper explain`: prints the explanation; returns the exit code. */
export function runExplain(argv: readonly string[]): number {
  const { values, rest } = takeFlags(argv, { block: "string", "data-dir": "string", limit: "string" });
  const [subject, ...extra] = rest;
  if (subject === undefined || extra.length > 0 || subject.startsWith("--"))
    throw new KeeperError(`keeper explain takes one subject${extra.length > 0 ? `, got ${rest.join(" ")}` : ""}.`, {
      metaMessages: ["Usage: keeper explain <account|pool|opportunity-id|tx-hash> [--block N] [--data-dir D]"],
    });
  const blockText = (values.block as string[] | undefined)?.[0];
  const block = blockText === undefined ? undefined : /^\d+$/.test(blockText) ? BigInt(blockText) : undefined;
  if (blockText !== undefined && block === undefined)
    throw new KeeperError(`Invalid --block "${blockText}".`, { metaMessages: ["Expected a block number."] });
  const limit = positiveInteger("limit", (values.limit as string[] | undefined)?.[0]);
  const dataDir =
    (values["data-dir"] as string[] | undefined)?.[0] ?? process.env.DATA_DIR ?? String(SETTINGS.DATA_DIR.default);
  const journal = Journal.openReadOnly(dataDir);
  try {
    console.log(explain(journal, subject, { block, limit }));
  } finally {
    journal.close();
  }
  return 0;
}
