/** The cascade bench's tables: one per run (a row per block) and the summary across runs. */
import { median, printTable } from "../machine.js";
import type { RunResult } from "./run.js";

/** Largest gas one transaction may use (the Osaka per-transaction cap, EIP-7825). */
const TX_GAS_CAP = 2n ** 24n;

/** One run's headline figures. */
export interface Summary {
  config: string;
  planner: string;
  /** Underwater right after the crash with debt >= the threshold. */
  targets: number;
  targetsAave: number;
  targetsMorpho: number;
  /** Blocks after the crash until 95% of the targets had been liquidated at least once; null if not within the run. */
  blocksTo95: number | null;
  blocksRun: number;
  targetsLiquidated: number;
  morphoUnderwater: number;
  morphoLiquidated: number;
  /** Targets still under 1.0 at the end. */
  targetsLeft: number;
  profitUsd8: bigint;
  rebalanceProfitUsd8: bigint;
  rebalances: number;
  /** Debt repaid by every liquidation, USD 8 decimals. */
  debtRepaidUsd8: bigint;
  gas: bigint;
  keeperTxs: number;
  reverted: number;
  maxTxGas: bigint;
  scanMedian: number;
  scanMax: number;
  scanBudget: number;
  positionsWatched: number;
  multicallChunk: number;
  wallMs: number;
}

const key = (protocol: string, borrower: string) => `${protocol}:${borrower.toLowerCase()}`;

/** Whole US dollars with thousands separators, from 8 decimals. */
export function usd(v8: bigint): string {
  return `$${(v8 / 10n ** 8n).toLocaleString("en-US")}`;
}

/** The summary of one run; `minDebtUsd8` picks the targets, the scan budget is ceil(positions / chunk) + 3. */
export function summarize(
  config: string,
  planner: string,
  r: RunResult,
  p: { minDebtUsd8: bigint; multicallChunk: number },
): Summary {
  const targets = r.underwater.filter((u) => u.debtUsd8 >= p.minDebtUsd8);
  const targetKeys = new Set(targets.map((t) => key(t.protocol, t.borrower)));
  const morphoKeys = new Set(
    r.underwater.filter((u) => u.protocol === "morpho-blue").map((u) => key(u.protocol, u.borrower)),
  );
  const done = new Set<string>();
  const doneMorpho = new Set<string>();
  let blocksTo95: number | null = null;
  const need = Math.ceil(targets.length * 0.95);
  for (const row of r.rows) {
    for (const l of row.liquidated) {
      if (targetKeys.has(l)) done.add(l);
      if (morphoKeys.has(l)) doneMorpho.add(l);
    }
    if (blocksTo95 === null && done.size >= need && targets.length > 0) blocksTo95 = Number(row.block - r.crashBlock);
  }
  const residual = new Set(r.residual.map((u) => key(u.protocol, u.borrower)));
  const calls = r.scans.map((s) => s.calls);
  return {
    config,
    planner,
    targets: targets.length,
    targetsAave: targets.filter((t) => t.protocol === "aave-v3").length,
    targetsMorpho: targets.filter((t) => t.protocol === "morpho-blue").length,
    blocksTo95,
    blocksRun: r.rows.length,
    targetsLiquidated: done.size,
    morphoUnderwater: morphoKeys.size,
    morphoLiquidated: doneMorpho.size,
    targetsLeft: [...targetKeys].filter((k) => residual.has(k)).length,
    profitUsd8: r.rows.reduce((a, x) => a + x.profitUsd8, 0n),
    rebalanceProfitUsd8: r.rows.reduce((a, x) => a + x.rebalanceProfitUsd8, 0n),
    rebalances: r.rows.reduce((a, x) => a + x.rebalances, 0),
    debtRepaidUsd8: r.rows.reduce((a, x) => a + x.debtRepaidUsd8, 0n),
    gas: r.rows.reduce((a, x) => a + x.keeperGas, 0n),
    keeperTxs: r.rows.reduce((a, x) => a + x.keeperTxs, 0),
    reverted: r.rows.reduce((a, x) => a + x.keeperReverted, 0),
    maxTxGas: r.rows.reduce((a, x) => (x.maxTxGas > a ? x.maxTxGas : a), 0n),
    scanMedian: calls.length ? median(calls) : 0,
    scanMax: calls.length ? Math.max(...calls) : 0,
    scanBudget: Math.ceil(r.positionsWatched / p.multicallChunk) + 3,
    multicallChunk: p.multicallChunk,
    positionsWatched: r.positionsWatched,
    wallMs: r.wallMs,
  };
}

/** A row per block after the crash: what the chain says happened in it. */
export function printRunTable(r: RunResult, minDebtUsd8: bigint): void {
  const targets = new Set(
    r.underwater.filter((u) => u.debtUsd8 >= minDebtUsd8).map((u) => key(u.protocol, u.borrower)),
  );
  const done = new Set<string>();
  const scanAt = new Map<bigint, number>();
  for (const s of r.scans) scanAt.set(s.block, (scanAt.get(s.block) ?? 0) + s.calls);
  const rows = r.rows.map((row) => {
    for (const l of row.liquidated) if (targets.has(l)) done.add(l);
    return [
      `+${row.block - r.crashBlock}`,
      row.aaveLiquidations,
      row.morphoLiquidations,
      usd(row.debtRepaidUsd8),
      usd(row.profitUsd8),
      row.rebalances ? `${row.rebalances}: ${usd(row.rebalanceProfitUsd8)}` : "-",
      row.keeperTxs,
      row.keeperReverted,
      row.keeperGas.toString(),
      row.maxTxGas > TX_GAS_CAP ? `${row.maxTxGas} OVER 2^24` : row.maxTxGas.toString(),
      row.otherTxs,
      scanAt.has(row.block) ? scanAt.get(row.block)! : "-",
      targets.size ? `${((done.size * 100) / targets.size).toFixed(0)}%` : "-",
    ];
  });
  printTable(
    [
      "block",
      "Aave liq",
      "Morpho liq",
      "debt repaid",
      "profit",
      "of which rebalances",
      "keeper txs",
      "reverted",
      "keeper gas",
      "max tx gas",
      "other txs",
      "scan calls",
      "targets done",
    ],
    rows,
  );
  const t = r.tail;
  if (t.length) {
    const n = (f: (x: (typeof t)[number]) => number) => t.reduce((a, x) => a + f(x), 0);
    console.log(
      `after the window (${t.length} block(s) while the keeper finished its send in flight, not counted above): ` +
        `${n((x) => x.aaveLiquidations)} Aave + ${n((x) => x.morphoLiquidations)} Morpho liquidations, ` +
        `${n((x) => x.keeperTxs)} keeper txs, ${n((x) => x.keeperReverted)} reverted`,
    );
  }
}

/** One row per run: the figures the README quotes. */
export function printSummary(all: Summary[]): void {
  printTable(
    [
      "config",
      "planner",
      "targets (Aave+Morpho)",
      "blocks to 95%",
      "targets liquidated",
      "targets still < 1.0",
      "Morpho underwater liquidated",
      "debt repaid",
      "profit (of which rebalances)",
      "gas",
      "keeper txs",
      "reverted",
      "max tx gas",
      "scan calls/block med/max",
      "budget",
      "run s",
    ],
    all.map((s) => [
      s.config,
      s.planner,
      `${s.targets} (${s.targetsAave}+${s.targetsMorpho})`,
      s.blocksTo95 === null ? `not within ${s.blocksRun}` : s.blocksTo95,
      s.targetsLiquidated,
      s.targetsLeft,
      `${s.morphoLiquidated}/${s.morphoUnderwater}${s.morphoUnderwater > 0 && s.morphoLiquidated === s.morphoUnderwater ? " (all)" : ""}`,
      usd(s.debtRepaidUsd8),
      `${usd(s.profitUsd8)} (${s.rebalances}: ${usd(s.rebalanceProfitUsd8)})`,
      s.gas.toString(),
      s.keeperTxs,
      s.reverted,
      `${s.maxTxGas}${s.maxTxGas >= TX_GAS_CAP ? " OVER" : " < 2^24"}`,
      `${s.scanMedian}/${s.scanMax}${s.scanMax > s.scanBudget ? " OVER" : ""}`,
      `ceil(${s.positionsWatched}/${s.multicallChunk})+3 = ${s.scanBudget}`,
      (s.wallMs / 1000).toFixed(0),
    ]),
  );
}
