/** Maps the journal's SQLite rows onto typed records (TEXT wei -> bigint, INTEGER blocks -> bigint). */
import type { SQLOutputValue } from "node:sqlite";
import type { Address, Hex } from "viem";
import { KeeperError } from "../errors.js";
import type {
  AttemptKind,
  AttemptRecord,
  AttemptState,
  IntentRecord,
  IntentState,
  JournalEvent,
  ReceiptRecord,
} from "./types.js";

type Row = Record<string, SQLOutputValue>;

const str = (v: SQLOutputValue): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: SQLOutputValue): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const big = (v: SQLOutputValue): bigint | undefined =>
  v === null || v === undefined ? undefined : BigInt(v as string | number | bigint);
const req = <T>(v: T | undefined, column: string): T => {
  if (v === undefined)
    throw new KeeperError(`A journal row has no ${column}: the file is damaged or was written by another program.`);
  return v;
};

/** An `intents` row as an IntentRecord. */
export function intentFromRow(r: Row): IntentRecord {
  const receipt: ReceiptRecord | undefined =
    r.receipt_hash === null
      ? undefined
      : {
          hash: str(r.receipt_hash) as Hex,
          status: str(r.receipt_status) as ReceiptRecord["status"],
          blockNumber: req(big(r.receipt_block_number), "receipt_block_number"),
          blockHash: str(r.receipt_block_hash) as Hex,
          gasUsed: req(big(r.gas_used), "gas_used"),
          effectiveGasPrice: req(big(r.effective_gas_price), "effective_gas_price"),
          gasCostWei: req(big(r.gas_cost_wei), "gas_cost_wei"),
          at: req(num(r.receipt_at), "receipt_at"),
        };
  return {
    id: req(num(r.id), "id"),
    opportunityId: req(str(r.opportunity_id), "opportunity_id"),
    actionKind: req(str(r.action_kind), "action_kind"),
    from: str(r.from_address) as Address,
    to: str(r.to_address) as Address,
    calldata: str(r.calldata) as Hex,
    blockSeen: req(big(r.block_seen), "block_seen"),
    expectedProfitWei: req(big(r.expected_profit_wei), "expected_profit_wei"),
    state: str(r.state) as IntentState,
    reason: str(r.reason),
    simulation:
      r.sim_gas === null
        ? undefined
        : {
            profit: req(big(r.sim_profit), "sim_profit"),
            profitToken: str(r.sim_profit_token) as Address | undefined,
            gas: req(big(r.sim_gas), "sim_gas"),
            gasLimit: req(big(r.gas_limit), "gas_limit"),
          },
    nonce: num(r.nonce),
    receipt,
    createdAt: req(num(r.created_at), "created_at"),
    updatedAt: req(num(r.updated_at), "updated_at"),
    finalizedAt: num(r.finalized_at),
  };
}

/** An `attempts` row as an AttemptRecord. */
export function attemptFromRow(r: Row): AttemptRecord {
  return {
    id: req(num(r.id), "id"),
    intentId: req(num(r.intent_id), "intent_id"),
    kind: str(r.kind) as AttemptKind,
    from: str(r.from_address) as Address,
    nonce: req(num(r.nonce), "nonce"),
    hash: str(r.hash) as Hex,
    raw: str(r.raw) as Hex,
    to: str(r.to_address) as Address,
    gasLimit: req(big(r.gas_limit), "gas_limit"),
    maxFeePerGas: req(big(r.max_fee_per_gas), "max_fee_per_gas"),
    maxPriorityFeePerGas: req(big(r.max_priority_fee_per_gas), "max_priority_fee_per_gas"),
    state: str(r.state) as AttemptState,
    error: str(r.error),
    signedAt: req(num(r.signed_at), "signed_at"),
    broadcastAt: num(r.broadcast_at),
    broadcastBlock: big(r.broadcast_block),
  };
}

/** An `events` row as a JournalEvent (its detail is JSON). */
export function eventFromRow(r: Row): JournalEvent {
  return {
    id: req(num(r.id), "id"),
    intentId: req(num(r.intent_id), "intent_id"),
    at: req(num(r.at), "at"),
    type: req(str(r.type), "type"),
    detail: JSON.parse(req(str(r.detail), "detail")) as JournalEvent["detail"],
  };
}

/** Event details are flat JSON: bigints become decimal strings, undefined becomes null. */
export function eventDetail(detail: Record<string, unknown>): string {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(detail)) {
    out[k] =
      v === undefined || v === null
        ? null
        : typeof v === "bigint"
          ? v.toString()
          : typeof v === "number" || typeof v === "boolean"
            ? v
            : String(v);
  }
  return JSON.stringify(out);
}
