/**
 * `npm run bench:world`: time to deploy the world of real protocols on the in-process Hardhat network, for
 * 10, 100 and 1,000 borrowers (per protocol where stated). Medians over several runs; prints the machine.
 */
import { createInProcessChain } from "../src/chain/inProcess.js";
import { deployWorld } from "../src/world/index.js";
import { machineLine, median, printTable } from "./machine.js";

const cases = [
  { label: "10 Aave + 10 Morpho", aave: 10, morpho: 10, runs: 5 },
  { label: "100 Aave + 100 Morpho", aave: 100, morpho: 100, runs: 3 },
  { label: "1,000 Aave + 1,000 Morpho", aave: 1000, morpho: 1000, runs: 1 },
];

console.log(machineLine());
const rows: (string | number)[][] = [];
for (const c of cases) {
  const times: number[] = [];
  let blocks = 0n;
  for (let i = 0; i < c.runs; i++) {
    const chain = await createInProcessChain();
    const t0 = performance.now();
    await deployWorld(chain, { aaveBorrowers: c.aave, morphoBorrowers: c.morpho, seed: i + 1 });
    times.push(performance.now() - t0);
    blocks = await chain.public.getBlockNumber();
    await chain.close();
  }
  rows.push([
    c.label,
    c.runs,
    (median(times) / 1000).toFixed(2),
    (Math.min(...times) / 1000).toFixed(2),
    blocks.toString(),
  ]);
  console.error(`done: ${c.label}`);
}
printTable(["world", "runs", "median s", "min s", "transactions"], rows);
