import type { Chain, Hash, PublicClient, Transport } from "viem";
import type { SendOutcome } from "../executor/outcome.js";
import type { ProtocolModule } from "../protocols/module.js";
import { actionHandler, PROTOCOLS, touchedBy } from "../protocols/registry.js";
import { tokenAmountToUsd } from "../risk/profit.js";
import type { SkipReason } from "../skip.js";
import { planBlock, type Candidate, type Skip, type StrategyContext } from "../strategy/index.js";
import { planSequence } from "../strategy/sequence.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { Watcher } from "../watcher/watcher.js";
import { emptyReport, type KeeperReport } from "./report.js";

/** Simulates and, unless told not to, sends one candidate's action. Never sends without a passing simulation. */
export type ExecuteFn = (candidate: Candidate, snapshot: Snapshot) => Promise<SendOutcome>;

/** A transaction broadcast and not yet resolved: what `settle` follows. */
export interface SubmittedSend {
  status: "submitted";
  intentId: number;
  hash: Hash;
  nonce: number;
}

/**
 * The two halves of a send, for several transactions in flight: `submit` guards, signs, journals and broadcasts
 * without waiting (consecutive nonces; later simulations see earlier ones on the pending block), `settle` follows
 * all of them at once until each resolves.
 */
export interface BlockSender {
  submit(candidate: Candidate, snapshot: Snapshot): Promise<SendOutcome | SubmittedSend>;
  settle(submitted: readonly SubmittedSend[]): Promise<Map<number, SendOutcome>>;
  /**
   * Upkeep of what is in flight at a new head (receipts, replacement of stuck transactions, reorg checks), run by
   * the keeper every block before it plans, whether or not the safety gate lets anything new out.
   */
  onBlock?(head: bigint): Promise<void>;
}

/** What the keeper tells whoever watches it (the demo narrator, the logger). */
export type KeeperEvent =
  | {
      type: "block";
      snapshot: Snapshot;
      underwater: number;
      skewedPools: number;
      candidates: number;
      /** Every skip of the block's plan, each block (the "skip" events say each reason once per run). */
      skipped?: readonly Skip[];
    }
  | { type: "skip"; block: bigint; id: string; protocol: string; skip: SkipReason; context: Record<string, string> }
  | { type: "send"; block: bigint; candidate: Candidate }
  /** A batch whose simulation reverted, cut in two; each half is tried next, on its own. */
  | { type: "split"; block: bigint; candidate: Candidate; into: readonly Candidate[]; skip: SkipReason }
  | { type: "outcome"; block: bigint; candidate: Candidate; outcome: SendOutcome };

export interface KeeperOptions {
  client: PublicClient<Transport, Chain>;
  watcher: Watcher;
  strategy: StrategyContext;
  /** One send, to its outcome. When it also has `submit`/`settle` (see createExecuteFn), a block's sequence is sent
   *  with several transactions in flight instead of one after the other. */
  execute: ExecuteFn | (ExecuteFn & BlockSender);
  dryRun: boolean;
  /** Blocks to leave an opportunity alone after a deterministic failure (healthy, unprofitable). */
  cooldownBlocks?: bigint;
  onEvent?: (e: KeeperEvent) => void;
  /** A block could not be processed (the loop retries with backoff). */
  onError?: (err: unknown, consecutiveFailures: number) => void;
  /** The protocol modules (default: the registry). */
  protocols?: readonly ProtocolModule<any>[];
  /**
   * "sequence" (default): the block planned as a sequence on a working copy of the snapshot, batches bounded by gas,
   * bisected when they fail. "single": one candidate at a time, touched pools wait for the next block (the
   * planner before cascades were handled; kept for comparison in bench:cascade).
   */
  planner?: "sequence" | "single";
  /** Share of the block gas limit one transaction may plan to use, bps (default 5,000); never above 2^24. */
  maxTxGasShareBps?: bigint;
  /**
   * Follow a block's transactions in the background and plan the next block meanwhile (the long-running loop: a
   * block's sends need not be mined before the keeper looks at the next head). Opportunities in flight are left out
   * of the next plans until they resolve. Off by default: `processBlock` then returns once its sends resolved.
   */
  settleInBackground?: boolean;
}

/**
 * The loop watcher -> strategy -> executor, one block at a time. Candidates of a block are taken best first,
 * one after the other (one nonce stream); each outcome is checked against chain state read back afterwards.
 */
export class Keeper {
  readonly report: KeeperReport;
  private readonly cooldownUntil = new Map<string, bigint>();
  private readonly seenSkips = new Set<string>();
  private lastBlock = -1n;
  /** Opportunity ids (and batch members') with a transaction in flight, followed in the background. */
  private readonly inFlightIds = new Set<string>();
  private readonly settling = new Set<Promise<void>>();
  private profitUsd8 = 0n;

  constructor(private readonly opts: KeeperOptions) {
    this.report = emptyReport(opts.client.chain.id, opts.dryRun);
  }

  /** Profit of every mined action so far, valued at the feeds of the block it was planned in (USD, 8 decimals). */
  get totalProfitUsd8(): bigint {
    return this.profitUsd8;
  }

  /** Reads the current head and acts on it. Returns the snapshot processed. */
  async processBlock(blockNumber?: bigint): Promise<Snapshot> {
    const snapshot = await this.opts.watcher.snapshot(blockNumber);
    // Before planning: a stuck transaction is replaced and a reorged receipt handed back every block, not only
    // while a send of this process waits for its receipt. A failure here fails the block (retried by the loop).
    await (this.opts.execute as Partial<BlockSender>).onBlock?.(snapshot.blockNumber);
    if (this.report.fromBlock === "") this.report.fromBlock = snapshot.blockNumber.toString();
    this.report.toBlock = snapshot.blockNumber.toString();
    this.lastBlock = snapshot.blockNumber;
    const protocols = this.opts.protocols ?? PROTOCOLS;
    if ((this.opts.planner ?? "sequence") === "sequence") await this.actOnSequence(snapshot, protocols);
    else await this.actOneByOne(snapshot, protocols);
    return snapshot;
  }

  private coolingDown(id: string, block: bigint): boolean {
    const until = this.cooldownUntil.get(id);
    return until !== undefined && block < until;
  }

  private emitBlock(
    snapshot: Snapshot,
    protocols: readonly ProtocolModule<any>[],
    selected: readonly Candidate[],
    skipped: readonly Skip[],
  ): void {
    const underwater = protocols.reduce((n, m) => n + (m.atRisk?.(snapshot) ?? 0), 0);
    const venues = new Set(protocols.filter((m) => m.kind === "venue").map((m) => m.name));
    const skewedPools =
      selected.filter((c) => venues.has(c.opportunity.protocol)).length +
      skipped.filter((s) => venues.has(s.protocol)).length;
    this.emit({ type: "block", snapshot, underwater, skewedPools, candidates: selected.length, skipped });
    for (const s of skipped) this.recordSkip(snapshot.blockNumber, s.id, s.protocol, s.skip, s.context);
  }

  /**
   * The block as a sequence (planSequence): every transaction priced on the state the ones before it leave, sent in
   * order. A batch whose simulation reverts is cut in two and each half tried at once, down to single members, so one
   * failing liquidation never holds back the others.
   */
  private async actOnSequence(snapshot: Snapshot, protocols: readonly ProtocolModule<any>[]): Promise<void> {
    const block = snapshot.blockNumber;
    const plan = planSequence(snapshot, this.opts.strategy, protocols, {
      maxTxGasShareBps: this.opts.maxTxGasShareBps,
      exclude: (c) => this.coolingDown(c.opportunity.id, block) || this.inFlightIds.has(c.opportunity.id),
    });
    this.emitBlock(snapshot, protocols, plan.transactions, plan.skipped);
    const sender = this.opts.execute as Partial<BlockSender>;
    const pipelined = !this.opts.dryRun && typeof sender.submit === "function" && typeof sender.settle === "function";
    const inFlight: { candidate: Candidate; sent: SubmittedSend }[] = [];
    const queue: Candidate[] = [...plan.transactions];
    while (queue.length > 0) {
      const candidate = queue.shift()!;
      this.emit({ type: "send", block, candidate });
      const result = pipelined
        ? await sender.submit!(candidate, snapshot)
        : await this.opts.execute(candidate, snapshot);
      if (result.status === "submitted") {
        inFlight.push({ candidate, sent: result });
        continue;
      }
      const outcome = result;
      if (
        outcome.status === "skipped" &&
        (outcome.skip.code === "simulation-reverted" || outcome.skip.code === "gas-cap")
      ) {
        const halves = actionHandler(candidate.action, protocols)?.handler.split?.(
          candidate,
          snapshot,
          this.opts.strategy,
        );
        if (halves) {
          this.emit({ type: "split", block, candidate, into: halves, skip: outcome.skip });
          queue.unshift(...halves);
          continue;
        }
      }
      this.emit({ type: "outcome", block, candidate, outcome });
      await this.recordOutcome(snapshot, candidate, outcome);
    }
    if (inFlight.length === 0) return;
    const ids = inFlight.flatMap(({ candidate: c }) => [c, ...(c.members ?? [])].map((x) => x.opportunity.id));
    for (const id of ids) this.inFlightIds.add(id);
    const settle = (async () => {
      try {
        const settled = await sender.settle!(inFlight.map((f) => f.sent));
        for (const { candidate, sent } of inFlight) {
          const outcome = settled.get(sent.intentId);
          if (!outcome) continue;
          this.emit({ type: "outcome", block, candidate, outcome });
          await this.recordOutcome(snapshot, candidate, outcome);
        }
      } finally {
        for (const id of ids) this.inFlightIds.delete(id);
      }
    })();
    if (!this.opts.settleInBackground) return settle;
    this.settling.add(settle);
    settle.catch((err) => this.opts.onError?.(err, 0)).finally(() => this.settling.delete(settle));
  }

  /** Waits for every transaction followed in the background (at shutdown, or before reading the report). */
  async drain(): Promise<void> {
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
  }

  /**
   * Today's planner, kept selectable (KeeperOptions.planner "single"): candidates best first, one after the other;
   * a pool or position moved by a transaction of this block makes the candidates on it wait for the next block.
   */
  private async actOneByOne(snapshot: Snapshot, protocols: readonly ProtocolModule<any>[]): Promise<void> {
    const plan = planBlock(snapshot, this.opts.strategy, protocols);
    this.emitBlock(snapshot, protocols, plan.selected, plan.skipped);
    const touched = new Set<string>();
    for (const candidate of plan.selected) {
      if (this.coolingDown(candidate.opportunity.id, snapshot.blockNumber)) continue;
      const touches = touchedBy(candidate.action, protocols);
      if (touches.some((t) => touched.has(t))) continue;
      this.emit({ type: "send", block: snapshot.blockNumber, candidate });
      const outcome = await this.opts.execute(candidate, snapshot);
      if (
        outcome.status === "mined" ||
        outcome.status === "reverted" ||
        (outcome.status === "failed" && outcome.pending)
      ) {
        for (const t of touches) touched.add(t);
      }
      this.emit({ type: "outcome", block: snapshot.blockNumber, candidate, outcome });
      await this.recordOutcome(snapshot, candidate, outcome);
    }
  }

  /**
   * Polls for new heads until `signal` aborts; each new head is processed once (missed ones are skipped over).
   * A failing block (RPC timeout, 5xx, malformed answer) is reported and retried with exponential backoff: the
   * keeper never dies of a flaky node, and never acts on a half-read snapshot.
   */
  async run(params: { signal: AbortSignal; pollIntervalMs: number; maxBlocks?: number }): Promise<void> {
    try {
      await this.loop(params);
    } finally {
      await this.drain();
    }
  }

  private async loop(params: { signal: AbortSignal; pollIntervalMs: number; maxBlocks?: number }): Promise<void> {
    let processed = 0;
    let failures = 0;
    while (!params.signal.aborted) {
      try {
        const head = await this.opts.client.getBlockNumber({ cacheTime: 0 });
        if (head > this.lastBlock) {
          await this.processBlock(head);
          failures = 0;
          if (params.maxBlocks !== undefined && ++processed >= params.maxBlocks) return;
        }
      } catch (err) {
        failures++;
        this.opts.onError?.(err, failures);
        const backoff = Math.min(params.pollIntervalMs * 2 ** Math.min(failures, 6), 30_000);
        await sleep(backoff, params.signal);
        continue;
      }
      await sleep(params.pollIntervalMs, params.signal);
    }
  }

  private emit(e: KeeperEvent): void {
    this.opts.onEvent?.(e);
  }

  /** Each (opportunity, reason code, wording without its numbers) is reported once, not every block. */
  private recordSkip(
    block: bigint,
    id: string,
    protocol: string,
    skip: SkipReason,
    context: Record<string, string>,
  ): void {
    const key = `${id}|${skip.code}|${skip.message.replace(/[\d.$,]+/g, "#")}`;
    if (this.seenSkips.has(key)) return;
    this.seenSkips.add(key);
    this.report.skipped.push({ id, protocol, block: block.toString(), reason: skip.message, code: skip.code, context });
    this.emit({ type: "skip", block, id, protocol, skip, context });
  }

  private async recordOutcome(snapshot: Snapshot, c: Candidate, o: SendOutcome): Promise<void> {
    const id = c.opportunity.id;
    const block = snapshot.blockNumber;
    // A batch's members cool down with it: next block they would be batched again under another id.
    const cooldown = () => {
      for (const x of [c, ...(c.members ?? [])])
        this.cooldownUntil.set(x.opportunity.id, block + (this.opts.cooldownBlocks ?? 5n));
    };
    switch (o.status) {
      case "skipped":
        if (o.skip.deterministic) cooldown();
        this.recordSkip(block, id, c.opportunity.protocol, o.skip, c.context);
        return;
      case "reverted":
      case "failed":
        cooldown();
        this.report.failures.push({
          id,
          block: block.toString(),
          error: o.error.shortMessage,
          ...(o.hash ? { txHash: o.hash } : {}),
        });
        return;
      case "dry-run":
        this.report.dryRuns.push({
          id,
          block: block.toString(),
          simulatedProfit: o.profit.toString(),
          gas: o.gas.toString(),
        });
        cooldown();
        return;
      case "mined": {
        const profitToken = c.opportunity.expectedProfit;
        const price = snapshot.prices[profitToken.token];
        if (price) this.profitUsd8 += tokenAmountToUsd(o.profit, profitToken.decimals, price.usd8);
        const owner = actionHandler(c.action, this.opts.protocols ?? PROTOCOLS);
        if (!owner) return;
        const records = await owner.handler.readBack(this.opts.client, { candidate: c, outcome: o, snapshot });
        this.report.liquidations.push(...(records.liquidations ?? []));
        this.report.rebalances.push(...(records.rebalances ?? []));
        return;
      }
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
