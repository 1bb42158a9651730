import { createInProcessChain } from "../src/chain/inProcess.js";
import { strategyContextFor } from "../src/strategy/context.js";
import { planSequence } from "../src/strategy/sequence.js";
import { rankCandidates } from "../src/strategy/index.js";
import { Watcher } from "../src/watcher/watcher.js";
import { deployWorld, setPrice, syncPoolsToFeeds } from "../src/world/index.js";
async function main() {
  const chain = await createInProcessChain();
  const world = await deployWorld(chain, { aaveBorrowers: 1000, morphoBorrowers: 200, seed: 1 });
  const w = new Watcher(chain.public, world, {
    watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
  });
  await w.snapshot();
  await setPrice(chain, world, "WETH", 2400n * 10n ** 8n);
  await syncPoolsToFeeds(chain, world);
  const s = await w.snapshot();
  const ctx = strategyContextFor(world, {
    minProfitUsd: 10n ** 8n,
    priorityFeePerGas: 10n ** 9n,
    thresholdBps: 30n,
    toleranceBps: 1,
  });
  let t = performance.now();
  const r = rankCandidates(s, ctx);
  console.log(
    "rank",
    (performance.now() - t).toFixed(0),
    "ms",
    r.candidates.length,
    "candidates",
    r.skipped.length,
    "skipped",
  );
  t = performance.now();
  const p = planSequence(s, ctx);
  console.log(
    "sequence",
    (performance.now() - t).toFixed(0),
    "ms",
    p.transactions.length,
    "txs",
    p.transactions.map((x) => x.members?.length ?? 1).join(","),
    "skipped",
    p.skipped.length,
  );
  const reasons = new Map<string, number>();
  for (const k of p.skipped)
    reasons.set(
      k.skip.code + ":" + k.skip.message.slice(0, 60),
      (reasons.get(k.skip.code + ":" + k.skip.message.slice(0, 60)) ?? 0) + 1,
    );
  console.log([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8));
  process.exit(0);
}
main();
