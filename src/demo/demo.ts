import { writeFileSync } from "node:fs";
import { parseAbi, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../chain/inProcess.js";

type InProcessChainPublic = InProcessChain["public"];
import { deployExecutor, executorProtocols, setInventoryCaps } from "../executor/deploy.js";
import { devAccount } from "../chain/devAccounts.js";
import { createExecuteFn, createLocalPipeline } from "../keeper/pipeline.js";
import { Keeper } from "../keeper/keeper.js";
import { reportToJson, type KeeperReport } from "../keeper/report.js";
import { aavePoolAbi } from "../protocols/aaveV3/abi.js";
import { strategyContextFor } from "../strategy/context.js";
import { Watcher } from "../watcher/watcher.js";
import {
  createAaveBorrower,
  deployWorld,
  getPrices,
  mine,
  setPrice,
  skewV2Pool,
  skewV3Pool,
  syncPoolsToFeeds,
  type World,
} from "../world/index.js";
import { formatUnitsShort } from "./format.js";
import { createNarrator } from "./narrator.js";

export interface DemoOptions {
  reportFile?: string;
  /** Leave the chain running and return it, so a test can inspect the final state. */
  keepOpen?: boolean;
  aaveBorrowers?: number;
  seed?: number;
  print?: (line: string) => void;
}

/** Checks the run against what the demo promises; returns the problems found (empty when all hold). */
export async function verifyDemo(report: KeeperReport, healthyBefore: ReadonlySet<Address>): Promise<string[]> {
  const problems: string[] = [];
  if (report.liquidations.length === 0) problems.push("no liquidation was made");
  if (report.rebalances.length === 0) problems.push("no rebalance was made");
  for (const protocol of ["aave-v3", "morpho-blue"]) {
    if (!report.liquidations.some((l) => l.protocol === protocol)) problems.push(`no ${protocol} liquidation was made`);
  }
  if (!report.liquidations.some((l) => l.eMode))
    problems.push("no eMode liquidation was made (the staked-ETH borrower after the depeg)");
  if (!report.liquidations.some((l) => l.choice))
    problems.push("no liquidation of a borrower with several collaterals says which pair it chose and why");
  for (const protocol of ["uniswap-v2", "uniswap-v3"]) {
    if (!report.rebalances.some((r) => r.protocol === protocol)) problems.push(`no ${protocol} rebalance was made`);
  }
  for (const l of report.liquidations) {
    if (healthyBefore.has(l.borrower)) problems.push(`healthy borrower ${l.borrower} was liquidated`);
    if (!(Number(l.healthFactorBefore) < 1))
      problems.push(`borrower ${l.borrower} had HF ${l.healthFactorBefore} >= 1`);
    if (BigInt(l.profit) <= 0n) problems.push(`liquidation of ${l.borrower} made no profit`);
  }
  for (const r of report.rebalances) {
    // A slice stops short on purpose; the pool must land within 1 bp on the last trade of each rebalance.
    const later = report.rebalances.filter((x) => x.address === r.address && BigInt(x.block) > BigInt(r.block));
    if (!r.slice && later.length === 0 && Math.abs(Number(r.skewBpsAfter)) > 1)
      problems.push(`${r.pool} left ${r.skewBpsAfter} bps from the reference`);
    if (later.length === 0 && Math.abs(Number(r.skewBpsAfter)) > 1)
      problems.push(`${r.pool} ended ${r.skewBpsAfter} bps from the reference`);
  }
  for (const f of report.failures) problems.push(`failed send for ${f.id}: ${f.error}`);
  return problems;
}

/**
 * `npm start`: the keeper end to end on an embedded chain. Deploys the world of real protocols and our executor,
 * starts the keeper, then plays a market scenario block by block: calm, an ETH crash that sinks some Aave
 * borrowers (and leaves others healthy or too small to be worth their gas; a borrower with two collaterals is
 * liquidated on the pair that nets most, and says why), a staked-ETH depeg that sinks an eMode borrower, then
 * whales' swaps that skew the WETH/USDC V2 pair and V3 pool. The keeper reacts on its own; the run ends with a summary checked against chain state.
 */
export interface DemoResult {
  report: KeeperReport;
  problems: string[];
  chain: InProcessChain;
  world: World;
  executor: Address;
  owner: Address;
  stage: { whale: Address; dust: Address; safe: Address; staked: Address; multi: Address };
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? ((l: string) => console.log(l));
  const t0 = performance.now();
  print("imbalance-keeper demo: an in-process Hardhat chain with the real Uniswap V2/V3, Aave V3 and Morpho Blue\n");
  const chain = await createInProcessChain();
  const world = await deployWorld(chain, {
    aaveBorrowers: options.aaveBorrowers ?? 30,
    morphoBorrowers: 10,
    seed: options.seed ?? 42,
  });
  const [, keeperWallet, ownerWallet] = chain.accounts;
  const executor = await deployExecutor(
    { public: chain.public, wallet: ownerWallet },
    { keeper: keeperWallet.account.address, protocols: executorProtocols(world) },
  );
  // Named positions so every outcome of the story is on stage whatever the seed: a big one that sinks, a dust
  // one that sinks but is not worth its gas, and a comfortable one that must be left alone.
  const whale = await createAaveBorrower(chain, world, {
    collateral: "WETH",
    debt: "USDC",
    collateralUsd: 150_000n * 10n ** 8n,
    healthFactorBps: 10_600n,
  });
  const dust = await createAaveBorrower(chain, world, {
    collateral: "WETH",
    debt: "USDC",
    collateralUsd: 15n * 10n ** 8n,
    healthFactorBps: 10_500n,
  });
  // An ETH-correlated eMode borrower (wstETH against WETH at the category's 95% LT), which an ETH crash leaves alone
  // and a staked-ETH depeg sinks; and a borrower with two collaterals and two debts, for the keeper to pick from.
  const staked = await createAaveBorrower(chain, world, {
    collateral: "wstETH",
    debt: "WETH",
    collateralUsd: 120_000n * 10n ** 8n,
    healthFactorBps: 10_250n,
    eModeCategory: 1,
  });
  const multi = await createAaveBorrower(chain, world, {
    collateral: "WETH",
    collateralUsd: 90_000n * 10n ** 8n,
    moreCollateral: [{ symbol: "WBTC", usd: 60_000n * 10n ** 8n }],
    debt: "USDC",
    moreDebt: [{ symbol: "USDT", shareBps: 4_000n }],
    healthFactorBps: 10_600n,
  });
  const safe = await createAaveBorrower(chain, world, {
    collateral: "WETH",
    debt: "USDC",
    collateralUsd: 80_000n * 10n ** 8n,
    healthFactorBps: 17_000n,
  });
  print(
    `world deployed in ${((performance.now() - t0) / 1000).toFixed(1)} s: Aave pool ${world.aave.pool}, ` +
      `${world.borrowers.aave.length} Aave borrowers, V2 WETH/USDC ${world.uniswapV2.pairs.WETH_USDC.address}, V3 WETH/USDC ${world.uniswapV3.pools.WETH_USDC_3000.address}`,
  );
  print(`KeeperExecutor ${executor} (owner ${ownerWallet.account.address}, keeper ${keeperWallet.account.address})`);
  print(`stage: whale ${whale} ($150k WETH, HF 1.06), dust ${dust} ($15, HF 1.05), safe ${safe} ($80k, HF 1.70)`);
  print(
    `       staked ${staked} ($120k wstETH against WETH in eMode "ETH correlated", HF 1.025), ` +
      `multi ${multi} ($90k WETH + $60k WBTC against USDC and USDT, HF 1.06)\n`,
  );

  // The market maker's inventory for V3 rebalances: the owner stocks the executor (test tokens mint freely here).
  const erc20 = parseAbi(["function mint(address,uint256)"]);
  const inventory = [
    [world.tokens.WETH.address, 700n * 10n ** 18n],
    [world.tokens.USDC.address, 2_000_000n * 10n ** 6n],
  ] as const;
  for (const [token, amount] of inventory) {
    const h = await ownerWallet.writeContract({
      address: token,
      abi: erc20,
      functionName: "mint",
      args: [executor, amount],
    });
    await chain.public.waitForTransactionReceipt({ hash: h });
  }
  // The executor refuses inventory rebalances until the owner caps them: here the whole stock per transaction and
  // ten times it per day, so the caps never decide the demo's story but are in place as on a live deployment.
  await setInventoryCaps(
    { public: chain.public, wallet: ownerWallet },
    executor,
    inventory.map(([token, amount]) => ({ token, perTx: amount, perDay: amount * 10n })),
  );
  print(`executor inventory: 700 WETH + 2,000,000 USDC (for V3 rebalances); largest trade per transaction $600,000\n`);

  const watcher = new Watcher(chain.public, world, {
    watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
    executor,
  });
  const priorityFeePerGas = 1_000_000_000n;
  // The production send path (guards, journal, local signing, tracking) on an in-memory journal: the keeper
  // account signs locally as dev account #1, the address the node lists for keeperWallet.
  const send = createLocalPipeline({
    client: chain.public,
    executor,
    account: devAccount(1),
    fees: { priorityFeePerGas, maxFeePerGasCap: 500_000_000_000n },
  });
  const keeper = new Keeper({
    client: chain.public,
    watcher,
    strategy: strategyContextFor(world, {
      minProfitUsd: 5n * 10n ** 8n,
      priorityFeePerGas,
      thresholdBps: 30n,
      toleranceBps: 1,
      maxTradeUsd: 600_000n * 10n ** 8n,
    }),
    execute: createExecuteFn(send.pipeline, { wethToken: world.tokens.WETH.address }),
    dryRun: false,
    onEvent: createNarrator(print),
  });

  print("1. A calm market: ETH $3,000, every pool on its reference price.");
  await mine(chain, 1);
  await keeper.processBlock();

  print("\n2. ETH falls 12% to $2,640; arbitrageurs bring the pools along. Some Aave and Morpho borrowers sink.");
  await setPrice(chain, world, "WETH", 2_640n * 10n ** 8n);
  await syncPoolsToFeeds(chain, world);
  const healthyBefore = await healthyBorrowers(chain.public, world);
  await keeper.processBlock();

  print("\n3. Next block: the keeper checks again.");
  await mine(chain, 1);
  await keeper.processBlock();

  print("\n3b. Staked ETH depegs: wstETH's exchange rate to ETH falls 3%. The eMode borrower sinks; the pools follow.");
  const rate = (await getPrices(chain, world)).wstETH;
  await setPrice(chain, world, "wstETH", (rate * 97n) / 100n);
  await syncPoolsToFeeds(chain, world);
  // Healthy through both shocks: none of these may be liquidated.
  const healthyAfterDepeg = await healthyBorrowers(chain.public, world);
  for (const b of healthyBefore) if (!healthyAfterDepeg.has(b)) healthyBefore.delete(b);
  await keeper.processBlock();

  print("\n4. A whale dumps WETH into the V2 WETH/USDC pair: its price drops about 4.5% under the feed.");
  await skewV2Pool(chain, world, "WETH_USDC", -450);
  await keeper.processBlock();

  print("\n5. A whale sells WETH on the V3 WETH/USDC pool: its price drops about 3.5% under the feed. The trade that");
  print("   closes it is larger than the per-transaction limit, so the keeper closes it in slices, one per block.");
  await skewV3Pool(chain, world, -350);
  for (let i = 0; i < 6; i++) {
    await keeper.processBlock();
    await mine(chain, 1);
  }

  print("\n6. Next block: the market is back in line.");
  await keeper.processBlock();

  const report = keeper.report;
  const problems = await verifyDemo(report, healthyBefore);
  printSummary(print, report, world);
  if (options.reportFile) {
    writeFileSync(options.reportFile, reportToJson(report));
    print(`\nreport written to ${options.reportFile}`);
  }
  print(
    problems.length === 0
      ? `\nall checks passed in ${((performance.now() - t0) / 1000).toFixed(1)} s`
      : `\nCHECKS FAILED:\n  ${problems.join("\n  ")}`,
  );
  send.journal.close();
  if (!options.keepOpen) await chain.close();
  return {
    report,
    problems,
    chain,
    world,
    executor,
    owner: ownerWallet.account.address,
    stage: { whale, dust, safe, staked, multi },
  };
}

async function healthyBorrowers(client: InProcessChainPublic, world: World): Promise<Set<Address>> {
  const out = new Set<Address>();
  for (const b of world.borrowers.aave) {
    const d = await client.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [b],
    });
    if (d[5] >= 10n ** 18n) out.add(b);
  }
  return out;
}

function printSummary(print: (l: string) => void, r: KeeperReport, world: World): void {
  const fmt = (amount: string, symbol: string) => {
    const t = Object.values(world.tokens).find((x) => x.symbol === symbol);
    return t ? `${formatUnitsShort(BigInt(amount || "0"), t.decimals)} ${symbol}` : `${amount} ${symbol}`;
  };
  print("\nSummary");
  print(`  liquidations (${r.liquidations.length}):`);
  for (const l of r.liquidations) {
    print(
      `    ${l.protocol} ${l.borrower}: HF ${l.healthFactorBefore} -> ${l.healthFactorAfter}, repaid ${fmt(l.debtRepaid, l.debtAsset)}, ` +
        `seized ${fmt(l.collateralSeized, l.collateralAsset)}, profit ${fmt(l.profit, l.profitAsset)} (${l.profitUsd}), gas ${l.gasUsed}`,
    );
    if (l.eMode) print(`      eMode ${l.eMode}: seized at the category's bonus`);
    if (l.choice) print(`      ${l.choice}`);
  }
  print(`  rebalances (${r.rebalances.length}):`);
  for (const b of r.rebalances) {
    print(
      `    ${b.pool} ${b.address}: skew ${b.skewBpsBefore} -> ${b.skewBpsAfter} bps${b.slice ? ` (slice ${b.slice})` : ""}, profit ${fmt(b.profit, b.profitAsset)} (${b.profitUsd}), gas ${b.gasUsed}`,
    );
  }
  print(`  skipped (${r.skipped.length}):`);
  for (const s of r.skipped) print(`    ${s.id}: ${s.reason}`);
  if (r.failures.length) print(`  failures (${r.failures.length}): ${r.failures.map((f) => f.error).join("; ")}`);
}
