/**
 * `npm run market`: moves the local world like a market would, to give a running keeper something to do.
 *
 *   npm run market -- --price WETH=2640 --sync        # ETH feed to $2,640; arbitrageurs realign the pools
 *   npm run market -- --skew WETH_USDC=-450           # a whale pushes the V2 WETH/USDC price 4.5% down
 *   options: --rpc http://127.0.0.1:8545 --deployment-file world.json
 */
import { parseArgs } from "node:util";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../src/chain/clients.js";
import { readFileSync } from "node:fs";
import { worldFromJson } from "../src/world/json.js";
import { KeeperError } from "../src/errors.js";
import { setPrice, skewV2Pool, syncPoolsToFeeds, type TokenSymbol, type V2PairName } from "../src/world/index.js";

const { values } = parseArgs({
  options: {
    rpc: { type: "string", default: "http://127.0.0.1:8545" },
    "deployment-file": { type: "string", default: "world.json" },
    price: { type: "string", multiple: true, default: [] },
    skew: { type: "string", multiple: true, default: [] },
    sync: { type: "boolean", default: false },
  },
});

async function main(): Promise<void> {
  const world = worldFromJson(readFileSync(values["deployment-file"]!, "utf8"));
  const chain = await resolveChain(values.rpc!, world.multicall3);
  const [account] = (await createPublicClient({ chain, transport: http(values.rpc) }).request({ method: "eth_accounts" } as never)) as Address[];
  const clients = createHttpClients({ chain, rpcUrl: values.rpc!, account, pollingInterval: 20 });
  for (const p of values.price!) {
    const [sym, usd] = p.split("=");
    if (!(sym in world.tokens) || !/^\d+(\.\d{1,8})?$/.test(usd ?? "")) {
      throw new KeeperError(`Invalid --price "${p}".`, { metaMessages: ["Expected SYMBOL=USD, e.g. WETH=2640 (symbols: WETH, USDC, WBTC)."] });
    }
    const [whole, frac = ""] = usd.split(".");
    await setPrice(clients, world, sym as TokenSymbol, BigInt(whole) * 10n ** 8n + BigInt(frac.padEnd(8, "0")));
    console.log(`${sym} feed set to $${usd}`);
  }
  if (values.sync) {
    await syncPoolsToFeeds(clients, world);
    console.log("pools realigned to the feeds");
  }
  for (const s of values.skew!) {
    const [pair, bps] = s.split("=");
    if (!(pair in world.uniswapV2.pairs) || !/^-?\d+$/.test(bps ?? "")) {
      throw new KeeperError(`Invalid --skew "${s}".`, { metaMessages: ["Expected PAIR=BPS, e.g. WETH_USDC=-450 (pairs: WETH_USDC, WBTC_USDC, WBTC_WETH)."] });
    }
    await skewV2Pool(clients, world, pair as V2PairName, Number(bps));
    console.log(`${pair} skewed by ${bps} bps`);
  }
}

main().catch((err) => {
  console.error(err instanceof KeeperError ? err.message : err);
  process.exit(err instanceof KeeperError ? 2 : 1);
});
