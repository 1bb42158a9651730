/**
 * `npm run bench:cascade`: a liquidation cascade on a `hardhat node` mining a block every --interval-ms. A world of
 * --aave Aave + --morpho Morpho borrowers, our executor, then ETH falls to --crash-pct % of its price (feeds first,
 * then the pools re-priced onto them) and the keeper runs for --blocks blocks. Four configurations: the world's
 * pools or V2 pairs --depth times deeper, each with or without per-block arbitrageurs (--strength); in each, the
 * keeper's two planners run from the same post-deployment state (a node snapshot), one fresh node per configuration.
 *
 * Every figure is read back from the chain (protocol liquidation events, the keeper's receipts, the executor's
 * profit events), except the scan's JSON-RPC calls, counted on the wire by a proxy between the watcher and the node.
 *
 *   npm run bench:cascade -- [--aave 1000] [--morpho 200] [--blocks 20] [--interval-ms 1000]
 *     [--config all|world|deep|world+arb|deep+arb[,...]] [--planners single,sequence] [--depth 50] [--strength 0.3]
 *     [--crash-pct 80] [--min-debt-usd 1000] [--multicall-chunk 250] [--seed 1]
 */
import { parseArgs } from "node:util";
import { machineLine } from "./machine.js";
import { deepenV2Pairs, revertTo, startCascadeChain, takeSnapshot, type CascadeChain } from "./cascade/chain.js";
import { printRunTable, printSummary, summarize, type Summary } from "./cascade/report.js";
import { runCascade, type Planner } from "./cascade/run.js";

const CONFIGS = {
  world: { deep: false, arb: false },
  deep: { deep: true, arb: false },
  "world+arb": { deep: false, arb: true },
  "deep+arb": { deep: true, arb: true },
} as const;
type ConfigName = keyof typeof CONFIGS;

const { values } = parseArgs({
  options: {
    aave: { type: "string", default: "1000" },
    morpho: { type: "string", default: "200" },
    blocks: { type: "string", default: "20" },
    "interval-ms": { type: "string", default: "1000" },
    config: { type: "string", default: "all" },
    planners: { type: "string", default: "single,sequence" },
    depth: { type: "string", default: "50" },
    strength: { type: "string", default: "0.3" },
    "crash-pct": { type: "string", default: "80" },
    "min-debt-usd": { type: "string", default: "1000" },
    "multicall-chunk": { type: "string", default: "250" },
    seed: { type: "string", default: "1" },
  },
});

function int(name: keyof typeof values, min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer of at least ${min}, got ${values[name]}`);
  return n;
}
const configs = (values.config === "all" ? Object.keys(CONFIGS) : values.config!.split(",")) as ConfigName[];
for (const c of configs)
  if (!(c in CONFIGS)) throw new Error(`--config ${c}: expected all or a list of ${Object.keys(CONFIGS).join(", ")}`);
const planners = values.planners!.split(",") as Planner[];
for (const p of planners)
  if (p !== "single" && p !== "sequence") throw new Error(`--planners ${p}: expected single and/or sequence`);
const strength = Number(values.strength);
if (!(strength >= 0 && strength <= 1)) throw new Error(`--strength must be from 0 to 1, got ${values.strength}`);
const size = { aave: int("aave", 0), morpho: int("morpho", 0), seed: int("seed", 0) };
const blocks = int("blocks", 1);
const intervalMs = int("interval-ms", 100);
const depth = int("depth", 1);
const crashPct = Number(values["crash-pct"]);
const minDebtUsd8 = BigInt(int("min-debt-usd", 0)) * 10n ** 8n;
const multicallChunk = int("multicall-chunk", 1);

console.log(machineLine());
console.log(
  `cascade: ${size.aave} Aave + ${size.morpho} Morpho borrowers (seed ${size.seed}), ETH to ${crashPct}% of its price, ` +
    `hardhat node mining every ${intervalMs} ms, ${blocks} blocks measured after the crash; deep = V2 pairs ${depth}x, ` +
    `arb = one swap of strength ${strength} per pool per block; watcher multicall chunk ${multicallChunk}\n`,
);
const t0 = performance.now();
const summaries: Summary[] = [];
for (const name of configs) {
  const cfg = CONFIGS[name];
  let chain: CascadeChain | undefined;
  try {
    chain = await startCascadeChain({ ...size, logFile: `/tmp/imbalance-keeper-bench-cascade-${name}.log` });
    console.error(
      `[${name}] node pid ${chain.node.pid} ${chain.node.url}, world + executor deployed in ${(chain.deployMs / 1000).toFixed(1)} s`,
    );
    if (cfg.deep) await deepenV2Pairs(chain, depth);
    let snapshot = await takeSnapshot(chain);
    for (const [i, planner] of planners.entries()) {
      if (i > 0) {
        await revertTo(chain, snapshot);
        snapshot = await takeSnapshot(chain);
      }
      const r = await runCascade(chain, {
        planner,
        blocks,
        intervalMs,
        arbitrage: cfg.arb ? strength : null,
        crashPct,
        multicallChunk,
      });
      const s = summarize(name, planner, r, { minDebtUsd8, multicallChunk });
      console.log(
        `\n== ${name}, planner ${planner}: crash block ${r.crashBlock}, ${s.targets} underwater with debt >= $${values["min-debt-usd"]} ` +
          `(${r.underwater.length} underwater in all), run ${(r.wallMs / 1000).toFixed(1)} s`,
      );
      printRunTable(r, minDebtUsd8);
      const median = [...r.scans].sort((a, b) => a.calls - b.calls)[r.scans.length >> 1];
      if (median)
        console.log(
          `median scan, JSON-RPC calls by method: ${Object.entries(median.byMethod)
            .map(([m, n]) => `${m} ${n}`)
            .join(", ")}`,
        );
      if (r.arbitrage)
        console.log(
          `arbitrageurs: ${r.arbitrage.rounds} rounds, ${r.arbitrage.swaps} swaps${r.arbitrage.errors.length ? `, errors: ${r.arbitrage.errors.join("; ")}` : ""}`,
        );
      const skips = Object.entries(r.keeperSkips).map(([code, n]) => `${code} ${n}`);
      console.log(
        `keeper's own report (diagnosis only): skips ${skips.length ? skips.join(", ") : "none"}; failed sends ${r.keeperFailures}`,
      );
      if (r.keeperFailureReasons.length) console.log(`failed sends, why: ${r.keeperFailureReasons.join(" | ")}`);
      if (r.keeperErrors.length) console.log(`keeper errors (retried): ${r.keeperErrors.join("; ")}`);
      summaries.push(s);
    }
  } finally {
    await chain?.node.stop();
  }
}
console.log("\n== summary");
printSummary(summaries);
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
