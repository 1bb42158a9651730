/**
 * Plans a block as a sequence of transactions (the massive-imbalance planner). Candidates are taken best first;
 * each is re-sized on a working copy of the snapshot that holds the exact effect of every action planned before it
 * (the module's `refine` on the working view, its handler's `apply` to write the effect back), and folded into an
 * earlier transaction of the same kind when the module can batch them and the batch stays under the gas bound.
 * The result is sent in order with consecutive nonces: dependent actions come after the ones they depend on
 * because that is the order they were priced in.
 */
import { netProfit } from "../risk/profit.js";
import type { ProtocolModule } from "../protocols/module.js";
import { actionHandler, PROTOCOLS, touchedBy } from "../protocols/registry.js";
import { skip } from "../skip.js";
import { DEFAULT_GAS_LIMIT_MULTIPLIER_BPS, TX_GAS_CAP } from "../txlayer/prepare.js";
import type { Snapshot } from "../watcher/snapshot.js";
import { rankCandidates } from "./index.js";
import type { Candidate, Skip, StrategyContext } from "./types.js";
import { WorkingSnapshot } from "./working.js";
import { gasMarketAt, txBytesIfCharged } from "./txSize.js";

export { TX_GAS_CAP };
/** What a planned transaction may use so that its gas limit (the estimate with prepareSend's margin) stays under the cap. */
export const PLANNABLE_TX_GAS = (TX_GAS_CAP * 10_000n) / DEFAULT_GAS_LIMIT_MULTIPLIER_BPS;

/** Options of planSequence. */
export interface SequenceOptions {
  /** Largest share of the block's gas limit one transaction may plan to use, in bps (default 5,000: half). */
  maxTxGasShareBps?: bigint;
  /** Candidates to leave out this block (cooling down after a failure, already in flight). */
  exclude?: (candidate: Candidate) => boolean;
  /** Largest number of transactions to plan (default unlimited). */
  maxTransactions?: number;
}

/** One transaction of the block's sequence, with its expected net profit after gas (USD, 8 decimals). */
export type PlannedTx = Candidate & { netProfitUsd: bigint; gasCostUsd: bigint };

/** A block planned as a sequence. */
export interface SequencePlan {
  blockNumber: bigint;
  /** In send order. */
  transactions: PlannedTx[];
  skipped: Skip[];
  /** Candidates detected on the block's snapshot, before sequencing. */
  detected: number;
  /** The gas bound each transaction was planned under. */
  maxTxGas: bigint;
}

/**
 * Candidates that can share a batch moved next to each other, each group where its best member ranks (the rest of
 * the order unchanged): a batch can only grow while nothing touching the same pools is planned between its items.
 */
export function groupByBatchKey(
  candidates: readonly Candidate[],
  protocols: readonly ProtocolModule<any>[],
): Candidate[] {
  const groups = new Map<string, Candidate[]>();
  const order: (Candidate | Candidate[])[] = [];
  for (const c of candidates) {
    const module = actionHandler(c.action, protocols)?.module;
    const key = module?.batchKey?.(c);
    if (key === undefined) {
      order.push(c);
      continue;
    }
    const k = `${module!.name}:${key}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else {
      const fresh = [c];
      groups.set(k, fresh);
      order.push(fresh);
    }
  }
  return order.flatMap((x) => x);
}

/** The gas one transaction may plan to use on this block: min(2^24 less the gas-limit margin, share of the block gas limit). */
export function maxTxGasFor(snapshot: Snapshot, shareBps = 5_000n): bigint {
  const share = snapshot.gasLimit > 0n ? (snapshot.gasLimit * shareBps) / 10_000n : PLANNABLE_TX_GAS;
  return share < PLANNABLE_TX_GAS ? share : PLANNABLE_TX_GAS;
}

/** See the module comment. Pure. */
export function planSequence(
  snapshot: Snapshot,
  ctx: StrategyContext,
  protocols: readonly ProtocolModule<any>[] = PROTOCOLS,
  options: SequenceOptions = {},
): SequencePlan {
  const ranked = rankCandidates(snapshot, ctx, protocols);
  const { skipped } = ranked;
  const candidates = groupByBatchKey(ranked.candidates, protocols);
  const maxTxGas = maxTxGasFor(snapshot, options.maxTxGasShareBps);
  const gasMarket = gasMarketAt(snapshot, ctx);
  const working = new WorkingSnapshot(snapshot);
  const txs: { c: Candidate; touches: string[]; module: ProtocolModule<any> }[] = [];

  for (const original of candidates) {
    if (options.exclude?.(original)) continue;
    const owner = actionHandler(original.action, protocols);
    const module = owner?.module;
    let c = original;
    let touches = touchedBy(c.action, protocols);
    if (working.anyMoved(touches)) {
      // Priced on reserves an earlier action of this block moves: size it again on the state that action leaves.
      if (!module?.refine || working.anyOpaque(touches)) {
        skipped.push({
          id: c.opportunity.id,
          protocol: c.opportunity.protocol,
          skip: skip(
            "other",
            "waits for the next block: a pool it trades on is moved by an earlier action of this block",
            { deterministic: false },
          ),
          context: c.context,
        });
        continue;
      }
      const refined = module.refine(c, working.view(), ctx);
      if (!("action" in refined)) {
        skipped.push({
          ...refined,
          skip: {
            ...refined.skip,
            message: `after earlier actions of this block: ${refined.skip.message}`,
            deterministic: false,
          },
        });
        continue;
      }
      const p = netProfit(refined.opportunity, gasMarket, txBytesIfCharged(gasMarket, refined));
      if (p.netUsd < ctx.minProfitUsd) {
        skipped.push({
          id: c.opportunity.id,
          protocol: c.opportunity.protocol,
          skip: skip(
            "not-profitable",
            `after earlier actions of this block, net profit ${p.netUsd} (USD 8 dp) is below the minimum`,
            { deterministic: false },
          ),
          context: c.context,
        });
        continue;
      }
      c = refined;
      touches = touchedBy(c.action, protocols);
    }
    const handler = actionHandler(c.action, protocols)?.handler;
    const known = c.effects ?? (c.members?.every((m) => m.effects) ? c.members.flatMap((m) => m.effects!) : undefined);
    if (known) working.apply(known);
    else if (handler?.apply) working.apply(handler.apply(c, working.view()));
    else working.markOpaque(touches);

    // Fold into the latest earlier transaction it can join, never jumping over one that touches the same venues
    // (the batch runs where that earlier transaction sits, before anything planned after it).
    let merged = false;
    if (module?.merge) {
      for (let i = txs.length - 1; i >= 0; i--) {
        const t = txs[i];
        if (t.module === module) {
          const m = module.merge(t.c, c, ctx, maxTxGas);
          if (m) {
            txs[i] = { c: m, touches: [...new Set([...t.touches, ...touches])], module };
            merged = true;
            break;
          }
        }
        if (t.touches.some((a) => touches.includes(a))) break;
      }
    }
    if (!merged) {
      if (options.maxTransactions !== undefined && txs.length >= options.maxTransactions) break;
      txs.push({ c, touches, module: module as ProtocolModule<any> });
    }
  }

  const transactions = txs.map(({ c }) => {
    const p = netProfit(c.opportunity, gasMarket, txBytesIfCharged(gasMarket, c));
    return { ...c, netProfitUsd: p.netUsd, gasCostUsd: p.gasCostUsd };
  });
  return { blockNumber: snapshot.blockNumber, transactions, skipped, detected: candidates.length, maxTxGas };
}
