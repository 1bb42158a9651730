/**
 * `npm run market`: moves the local world like a market would, to give a running keeper something to do.
 * See USAGE below (or `npm run market -- --help`).
 */
import { parseArgs } from "node:util";
import { createPublicClient, formatUnits, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../src/chain/clients.js";
import { readFileSync } from "node:fs";
import { worldFromJson } from "../src/world/json.js";
import { KeeperError } from "../src/errors.js";
import {
  TOKEN_SPECS,
  V2_PAIRS,
  runArbitrageurs,
  setPrice,
  skewV2Pool,
  syncPoolsToFeeds,
  type PoolArbitrage,
  type TokenSymbol,
  type V2PairName,
  type World,
} from "../src/world/index.js";

/** The world's token symbols and V2 pair names (a wstETH price is reached through its exchange rate). */
const SYMBOLS: string[] = Object.keys(TOKEN_SPECS);
const PAIRS: string[] = Object.keys(V2_PAIRS);

const USAGE = `npm run market -- [options]: moves the local world (read from world.json) like a market would.

  --price SYMBOL=USD      set a feed, e.g. --price WETH=2640 (repeatable; symbols WETH, USDC, WBTC)
  --sync                  arbitrageurs bring every pool exactly onto the feeds, once
  --skew PAIR=BPS         a whale moves a V2 pair's price, e.g. --skew WETH_USDC=-450 (repeatable)
  --arbitrage             run arbitrageurs until Ctrl-C: on each new block every V2 pair and the V3 pool
                          close a fraction of their gap to the feeds (after --price/--sync/--skew, if given)
    --strength S          fraction of the gap closed per step, in price terms, 0 < S <= 1 (default 0.5)
    --interval-ms N       how often the block number is polled, ms (default 1000)
    --every-blocks N      act once every N new blocks (default 1)
  --rpc URL               node to use (default http://127.0.0.1:8545)
  --deployment-file PATH  world addresses (default world.json)
  -h, --help              this text

examples:
  npm run market -- --price WETH=2640 --sync        # ETH feed to $2,640; arbitrageurs realign the pools
  npm run market -- --skew WETH_USDC=-450           # a whale pushes the V2 WETH/USDC price 4.5% down
  npm run market -- --price WETH=2400 --arbitrage --strength 0.3   # ETH -20%; pools catch up 30% a block`;

/** A bad command line: the message names the option and repeats what it accepts. */
function usageError(message: string, expected: string): KeeperError {
  return new KeeperError(message, { metaMessages: [expected, "Run `npm run market -- --help` for every option."] });
}

interface MarketArgs {
  rpc: string;
  deploymentFile: string;
  prices: { symbol: TokenSymbol; price8: bigint; text: string }[];
  skews: { pair: V2PairName; bps: number }[];
  sync: boolean;
  arbitrage: { strength: number; intervalMs: number; everyBlocks: number } | null;
}

function parse(argv: string[]): MarketArgs | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rpc: { type: "string", default: "http://127.0.0.1:8545" },
        "deployment-file": { type: "string", default: "world.json" },
        price: { type: "string", multiple: true, default: [] },
        skew: { type: "string", multiple: true, default: [] },
        sync: { type: "boolean", default: false },
        arbitrage: { type: "boolean", default: false },
        strength: { type: "string" },
        "interval-ms": { type: "string" },
        "every-blocks": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (cause) {
    throw usageError(
      `Invalid command line: ${(cause as Error).message.split("\n")[0]}`,
      "Check the spelling of each option and that each one that takes a value has one.",
    );
  }
  if (values.help) return "help";

  const prices = values.price.map((p) => {
    const [symbol, usd] = p.split("=");
    if (!SYMBOLS.includes(symbol) || !/^\d+(\.\d{1,8})?$/.test(usd ?? "")) {
      throw usageError(
        `Invalid --price "${p}".`,
        `Expected SYMBOL=USD, e.g. WETH=2640 (symbols: ${SYMBOLS.join(", ")}).`,
      );
    }
    const [whole, frac = ""] = usd.split(".");
    const price8 = BigInt(whole) * 10n ** 8n + BigInt(frac.padEnd(8, "0"));
    if (price8 === 0n) throw usageError(`Invalid --price "${p}".`, "A feed price must be above zero.");
    return { symbol: symbol as TokenSymbol, price8, text: usd };
  });
  const skews = values.skew.map((s) => {
    const [pair, bps] = s.split("=");
    if (!PAIRS.includes(pair) || !/^-?\d+$/.test(bps ?? "") || Math.abs(Number(bps)) >= 10_000) {
      throw usageError(
        `Invalid --skew "${s}".`,
        `Expected PAIR=BPS with |BPS| < 10000, e.g. WETH_USDC=-450 (pairs: ${PAIRS.join(", ")}).`,
      );
    }
    return { pair: pair as V2PairName, bps: Number(bps) };
  });

  const loopOptions = (["strength", "interval-ms", "every-blocks"] as const).filter((k) => values[k] !== undefined);
  if (!values.arbitrage && loopOptions.length > 0) {
    throw usageError(
      `--${loopOptions[0]} only applies to --arbitrage.`,
      "Add --arbitrage to run the arbitrageurs, or drop the option.",
    );
  }
  let arbitrage: MarketArgs["arbitrage"] = null;
  if (values.arbitrage) {
    const strength = Number(values.strength ?? "0.5");
    if (!/^(0|1)?(\.\d+)?$/.test(values.strength ?? "0.5") || !(strength > 0 && strength <= 1)) {
      throw usageError(
        `Invalid --strength "${values.strength}".`,
        "Expected a number above 0 and at most 1, e.g. 0.3: the fraction of the gap to the feed closed each block (1 = onto the feed).",
      );
    }
    const intervalMs = Number(values["interval-ms"] ?? "1000");
    if (!/^\d+$/.test(values["interval-ms"] ?? "1000") || intervalMs < 1) {
      throw usageError(
        `Invalid --interval-ms "${values["interval-ms"]}".`,
        "Expected a whole number of milliseconds, at least 1, e.g. 500.",
      );
    }
    const everyBlocks = Number(values["every-blocks"] ?? "1");
    if (!/^\d+$/.test(values["every-blocks"] ?? "1") || everyBlocks < 1) {
      throw usageError(
        `Invalid --every-blocks "${values["every-blocks"]}".`,
        "Expected a whole number of blocks, at least 1.",
      );
    }
    arbitrage = { strength, intervalMs, everyBlocks };
  }
  if (prices.length === 0 && skews.length === 0 && !values.sync && !arbitrage) {
    throw usageError("Nothing to do.", "Give at least one of --price, --sync, --skew or --arbitrage.");
  }
  return { rpc: values.rpc, deploymentFile: values["deployment-file"], prices, skews, sync: values.sync, arbitrage };
}

/** One line per pool a step traded on: skew before -> after and what it paid in. */
function describeStep(world: World, block: bigint, pools: PoolArbitrage[]): string[] {
  return pools
    .filter((p) => p.txHash !== null && p.tokenIn !== null)
    .map((p) => {
      const amount = formatUnits(p.amountIn, world.tokens[p.tokenIn!].decimals);
      return `block ${block}: ${p.pool} ${p.skewBpsBefore} bps -> ${p.skewBpsAfter} bps (paid ${amount} ${p.tokenIn})`;
    });
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (args === "help") {
    console.log(USAGE);
    return;
  }
  const world = worldFromJson(readFileSync(args.deploymentFile, "utf8"));
  const chain = await resolveChain(args.rpc, world.multicall3);
  const [account] = (await createPublicClient({ chain, transport: http(args.rpc) }).request({
    method: "eth_accounts",
  } as never)) as Address[];
  const clients = createHttpClients({ chain, rpcUrl: args.rpc, account, pollingInterval: 20 });
  for (const p of args.prices) {
    await setPrice(clients, world, p.symbol, p.price8);
    console.log(`${p.symbol} feed set to $${p.text}`);
  }
  if (args.sync) {
    await syncPoolsToFeeds(clients, world);
    console.log("pools realigned to the feeds");
  }
  for (const s of args.skews) {
    await skewV2Pool(clients, world, s.pair, s.bps);
    console.log(`${s.pair} skewed by ${s.bps} bps`);
  }
  if (args.arbitrage) {
    const { strength, intervalMs, everyBlocks } = args.arbitrage;
    const controller = new AbortController();
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());
    console.log(
      `arbitrageurs running: strength ${strength}, every ${everyBlocks} block(s), polling every ${intervalMs} ms; Ctrl-C to stop`,
    );
    const { steps } = await runArbitrageurs(clients, world, {
      strength,
      everyBlock: everyBlocks,
      pollIntervalMs: intervalMs,
      signal: controller.signal,
      onStep: ({ block, pools }) => describeStep(world, block, pools).forEach((line) => console.log(line)),
    });
    console.log(`arbitrageurs stopped after ${steps} step(s)`);
  }
}

main().catch((err) => {
  console.error(err instanceof KeeperError ? err.message : err);
  process.exit(err instanceof KeeperError ? 2 : 1);
});
