import type { Address, Chain, PublicClient, Transport } from "viem";
import { aavePoolAbi } from "../protocols/aaveV3/abi.js";
import { morphoAbi, morphoOracleAbi } from "../protocols/morphoBlue/abi.js";
import { v2PairAbi } from "../protocols/uniswapV2/abi.js";
import { v3PoolAbi } from "../protocols/uniswapV3/abi.js";
import { formatHealthFactor } from "../risk/format.js";
import { morphoPositionHealth } from "../risk/morpho/health.js";
import { v3SkewBps } from "../risk/uniswapV3/price.js";
import { referencePriceFromUsd } from "../risk/math/rational.js";
import { formatUsd, tokenAmountToUsd } from "../risk/profit.js";
import { v2SkewBps } from "../risk/uniswapV2/rebalance.js";
import type { SendOutcome } from "../executor/outcome.js";
import { skip, type SkipReason } from "../skip.js";
import { planBlock, type Candidate, type StrategyContext } from "../strategy/index.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { Watcher } from "../watcher/watcher.js";
import { emptyReport, type KeeperReport } from "./report.js";

/** Simulates and, unless told not to, sends one candidate's action. Never sends without a passing simulation. */
export type ExecuteFn = (candidate: Candidate, snapshot: Snapshot) => Promise<SendOutcome>;

/** What the keeper tells whoever watches it (the demo narrator, the logger). */
export type KeeperEvent =
  | { type: "block"; snapshot: Snapshot; underwater: number; skewedPools: number; candidates: number }
  | { type: "skip"; block: bigint; id: string; skip: SkipReason; context: Record<string, string> }
  | { type: "send"; block: bigint; candidate: Candidate }
  | { type: "outcome"; block: bigint; candidate: Candidate; outcome: SendOutcome };

export interface KeeperOptions {
  client: PublicClient<Transport, Chain>;
  watcher: Watcher;
  strategy: StrategyContext;
  execute: ExecuteFn;
  dryRun: boolean;
  /** Blocks to leave an opportunity alone after a deterministic failure (healthy, unprofitable). */
  cooldownBlocks?: bigint;
  onEvent?: (e: KeeperEvent) => void;
  /** A block could not be processed (the loop retries with backoff). */
  onError?: (err: unknown, consecutiveFailures: number) => void;
}

const WAD = 10n ** 18n;

/**
 * The loop watcher -> strategy -> executor, one block at a time. Candidates of a block are taken best first,
 * one after the other (one nonce stream); each outcome is checked against chain state read back afterwards.
 */
export class Keeper {
  readonly report: KeeperReport;
  private readonly cooldownUntil = new Map<string, bigint>();
  private readonly seenSkips = new Set<string>();
  private lastBlock = -1n;
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
    if (this.report.fromBlock === "") this.report.fromBlock = snapshot.blockNumber.toString();
    this.report.toBlock = snapshot.blockNumber.toString();
    this.lastBlock = snapshot.blockNumber;
    const plan = planBlock(snapshot, this.opts.strategy);
    const underwater = snapshot.aave?.accounts.filter((a) => a.totalDebtBase > 0n && a.healthFactor < WAD).length ?? 0;
    const skewedPools = plan.selected.filter((c) => c.opportunity.kind === "rebalance").length +
      plan.skipped.filter((s) => s.protocol === "uniswap-v2" || s.protocol === "uniswap-v3").length;
    this.emit({ type: "block", snapshot, underwater, skewedPools, candidates: plan.selected.length });
    for (const s of plan.skipped) this.recordSkip(snapshot.blockNumber, s.id, s.protocol, skip("other", s.reason), s.context);

    // Pools and positions already moved by a transaction of this block: the snapshot no longer describes them,
    // so candidates touching them wait for the next block's fresh plan instead of acting on stale numbers.
    const touched = new Set<string>();
    for (const candidate of plan.selected) {
      const id = candidate.opportunity.id;
      const until = this.cooldownUntil.get(id);
      if (until !== undefined && snapshot.blockNumber < until) continue;
      const touches = touchedBy(candidate);
      if (touches.some((t) => touched.has(t))) continue;
      this.emit({ type: "send", block: snapshot.blockNumber, candidate });
      const outcome = await this.opts.execute(candidate, snapshot);
      if (outcome.status === "mined" || outcome.status === "reverted") for (const t of touches) touched.add(t);
      this.emit({ type: "outcome", block: snapshot.blockNumber, candidate, outcome });
      await this.recordOutcome(snapshot, candidate, outcome);
    }
    return snapshot;
  }

  /**
   * Polls for new heads until `signal` aborts; each new head is processed once (missed ones are skipped over).
   * A failing block (RPC timeout, 5xx, malformed answer) is reported and retried with exponential backoff: the
   * keeper never dies of a flaky node, and never acts on a half-read snapshot.
   */
  async run(params: { signal: AbortSignal; pollIntervalMs: number; maxBlocks?: number }): Promise<void> {
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

  private recordSkip(block: bigint, id: string, protocol: string, why: SkipReason, context: Record<string, string>): void {
    const key = `${id}|${why.code}|${why.message.replace(/[\d.$,]+/g, "#")}`;
    if (this.seenSkips.has(key)) return;
    this.seenSkips.add(key);
    this.report.skipped.push({ id, protocol, block: block.toString(), reason: why.message, context });
    this.emit({ type: "skip", block, id, skip: why, context });
  }

  private async recordOutcome(snapshot: Snapshot, c: Candidate, o: SendOutcome): Promise<void> {
    const id = c.opportunity.id;
    const block = snapshot.blockNumber;
    if (o.status === "skipped") {
      if (o.skip.deterministic) this.cooldownUntil.set(id, block + (this.opts.cooldownBlocks ?? 5n));
      this.recordSkip(block, id, c.opportunity.protocol, o.skip, c.context);
      return;
    }
    if (o.status === "reverted" || o.status === "failed") {
      this.cooldownUntil.set(id, block + (this.opts.cooldownBlocks ?? 5n));
      this.report.failures.push({ id, block: block.toString(), error: o.error.shortMessage, txHash: o.hash });
      return;
    }
    if (o.status === "dry-run") {
      this.report.dryRuns.push({ id, block: block.toString(), simulatedProfit: o.profit.toString(), gas: o.gas.toString() });
      this.cooldownUntil.set(id, block + (this.opts.cooldownBlocks ?? 5n));
      return;
    }
    const events = o.events.map((e) => e.args as Record<string, unknown>);
    const eventArgs = events[0] ?? {};
    const profitToken = c.opportunity.expectedProfit;
    const price = snapshot.prices[profitToken.token];
    const profitUsd8 = price ? tokenAmountToUsd(o.profit, profitToken.decimals, price.usd8) : 0n;
    this.profitUsd8 += profitUsd8;
    const profitUsd = price ? formatUsd(profitUsd8) : "?";
    const a = c.action;
    if (a.kind === "liquidateAaveV2FlashBatch") {
      const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
      const hfs = (c.context.healthFactor ?? "").split(",");
      for (const [k, item] of a.params.items.entries()) {
        const ev = events.find((e) => String(e.user).toLowerCase() === item.user.toLowerCase()) ?? {};
        const after = await this.opts.client.readContract({ address: item.aavePool, abi: aavePoolAbi, functionName: "getUserAccountData", args: [item.user], blockNumber: o.blockNumber });
        const itemProfit = BigInt(String(ev.profit ?? 0n));
        this.report.liquidations.push({
          protocol: "aave-v3",
          borrower: item.user,
          block: o.blockNumber.toString(),
          txHash: o.hash,
          healthFactorBefore: hfs[k] ?? "?",
          healthFactorAfter: formatHealthFactor(after[5]),
          debtAsset: sym(item.debtAsset),
          debtRepaid: String(ev.debtRepaid ?? item.debtToCover),
          collateralAsset: sym(item.collateralAsset),
          collateralSeized: String(ev.collateralSeized ?? ""),
          profitAsset: sym(item.collateralAsset),
          profit: itemProfit.toString(),
          profitUsd: price ? formatUsd(tokenAmountToUsd(itemProfit, profitToken.decimals, price.usd8)) : "?",
          // The batch's gas, shared: see the batch's transaction for the total.
          gasUsed: (o.gasUsed / BigInt(a.params.items.length)).toString(),
          batch: `${k + 1}/${a.params.items.length}`,
        });
      }
    } else if (a.kind === "liquidateAaveV2Flash" || a.kind === "liquidateAaveMorphoFlash") {
      const after = await this.opts.client.readContract({
        address: a.params.aavePool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [a.params.user],
        blockNumber: o.blockNumber,
      });
      const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
      this.report.liquidations.push({
        protocol: "aave-v3",
        borrower: a.params.user,
        block: o.blockNumber.toString(),
        txHash: o.hash,
        healthFactorBefore: c.context.healthFactor ?? "?",
        healthFactorAfter: formatHealthFactor(after[5]),
        debtAsset: sym(a.params.debtAsset),
        debtRepaid: String(eventArgs.debtRepaid ?? a.params.debtToCover),
        collateralAsset: sym(a.params.collateralAsset),
        collateralSeized: String(eventArgs.collateralSeized ?? ""),
        profitAsset: snapshot.prices[profitToken.token]?.symbol ?? profitToken.token,
        profit: o.profit.toString(),
        profitUsd,
        gasUsed: o.gasUsed.toString(),
      });
    } else if (a.kind === "liquidateMorpho") {
      const id = snapshot.morpho?.markets.find((m) => m.params.oracle === a.params.marketParams.oracle)?.id;
      const at = { blockNumber: o.blockNumber };
      const m = await this.opts.client.readContract({ address: a.params.morpho, abi: morphoAbi, functionName: "market", args: [id!], ...at });
      const [, borrowShares, collateral] = await this.opts.client.readContract({ address: a.params.morpho, abi: morphoAbi, functionName: "position", args: [id!, a.params.borrower], ...at });
      const price = await this.opts.client.readContract({ address: a.params.marketParams.oracle, abi: morphoOracleAbi, functionName: "price", ...at });
      const health = morphoPositionHealth({
        position: { borrowShares, collateral },
        market: { totalBorrowAssets: m[2], totalBorrowShares: m[3] },
        collateralPrice: price,
        lltv: a.params.marketParams.lltv,
      });
      const sym = (t: Address) => snapshot.prices[t]?.symbol ?? t;
      this.report.liquidations.push({
        protocol: "morpho-blue",
        borrower: a.params.borrower,
        block: o.blockNumber.toString(),
        txHash: o.hash,
        healthFactorBefore: c.context.healthFactor ?? "?",
        healthFactorAfter: borrowShares === 0n ? "no debt" : formatHealthFactor(health.healthFactor),
        debtAsset: sym(a.params.marketParams.loanToken),
        debtRepaid: String(eventArgs.repaidAssets ?? ""),
        collateralAsset: sym(a.params.marketParams.collateralToken),
        collateralSeized: String(eventArgs.seizedAssets ?? a.params.seizedAssets),
        profitAsset: snapshot.prices[profitToken.token]?.symbol ?? profitToken.token,
        profit: o.profit.toString(),
        profitUsd,
        gasUsed: o.gasUsed.toString(),
      });
    } else if (a.kind === "rebalanceV3" || a.kind === "rebalanceV2") {
      const p0 = snapshot.prices[a.tokens.token0];
      const p1 = snapshot.prices[a.tokens.token1];
      const ref = referencePriceFromUsd({ price0Usd: p0.usd8, decimals0: p0.decimals, price1Usd: p1.usd8, decimals1: p1.decimals });
      const at = { blockNumber: o.blockNumber };
      let address: Address;
      let skewAfter: bigint;
      if (a.kind === "rebalanceV3") {
        address = a.params.pool;
        const [sqrtP] = await this.opts.client.readContract({ address, abi: v3PoolAbi, functionName: "slot0", ...at });
        skewAfter = v3SkewBps(sqrtP, ref);
      } else {
        address = a.params.pair;
        const [r0, r1] = await this.opts.client.readContract({ address, abi: v2PairAbi, functionName: "getReserves", ...at });
        skewAfter = v2SkewBps({ reserve0: r0, reserve1: r1 }, ref);
      }
      this.report.rebalances.push({
        protocol: a.kind === "rebalanceV3" ? "uniswap-v3" : "uniswap-v2",
        pool: c.context.pool ?? address,
        address,
        block: o.blockNumber.toString(),
        txHash: o.hash,
        skewBpsBefore: c.context.skewBps ?? "?",
        skewBpsAfter: skewAfter.toString(),
        amountIn: String(eventArgs.amountIn ?? a.params.amountIn),
        amountOut: String(eventArgs.amountOut ?? ""),
        profitAsset: snapshot.prices[profitToken.token]?.symbol ?? profitToken.token,
        profit: o.profit.toString(),
        profitUsd,
        gasUsed: o.gasUsed.toString(),
        ...(c.context.slice ? { slice: c.context.slice } : {}),
      });
    }
  }
}

/** Addresses whose state an action changes: the pools it trades on or borrows from. */
export function touchedBy(c: Candidate): string[] {
  const a = c.action;
  const zero = "0x0000000000000000000000000000000000000000";
  const list: string[] = (() => {
    switch (a.kind) {
      case "liquidateAaveV2Flash":
        return [a.params.flashPair, a.params.swapPair];
      case "liquidateAaveV2FlashBatch":
        return a.params.items.flatMap((i) => [i.flashPair, i.swapPair]);
      case "liquidateAaveMorphoFlash":
        return [a.params.swapPair];
      case "liquidateMorpho":
        return [a.params.swapPair];
      case "rebalanceV2":
        return [a.params.pair, a.params.fundingPool];
      case "rebalanceV3":
        return [a.params.pool, a.params.fundingPool];
    }
  })();
  return list.filter((x) => x && x !== zero).map((x) => x.toLowerCase());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
