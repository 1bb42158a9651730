import type { Address } from "viem";
import { KeeperError } from "../errors.js";
import type { LocalFork } from "../fork/fork.js";
import { skewV2Pool, skewV3Pool } from "./actions.js";
import { settableAggregator } from "./tokens.js";
import { send } from "./tx.js";
import type { TokenSymbol, V2PairName, World } from "./types.js";

/** A market scenario to apply on a fork: feed prices (USD, 8 decimals) and pool skews (bps). */
export interface Scenario {
  prices: Partial<Record<TokenSymbol, bigint>>;
  v2Skews: Partial<Record<V2PairName, number>>;
  v3SkewBps?: number;
}

/**
 * Parses `--shock WETH=-12%` / `--shock WETH=2640` (a relative move or a new USD price) and `--swap WETH_USDC=-450`
 * (a pool skew in bps; `V3=-350` for the V3 pool) into a Scenario, against the current prices.
 */
export function parseScenario(
  shocks: readonly string[],
  swaps: readonly string[],
  current: Record<TokenSymbol, bigint>,
): Scenario {
  const scenario: Scenario = { prices: {}, v2Skews: {} };
  for (const s of shocks) {
    const m = /^(WETH|USDC|WBTC)=(-?\d+(?:\.\d+)?)(%?)$/.exec(s);
    if (!m)
      throw new KeeperError(`Invalid --shock "${s}".`, {
        metaMessages: ["Expected SYMBOL=-12% (a move) or SYMBOL=2640 (a USD price)."],
      });
    const sym = m[1] as TokenSymbol;
    const [whole, frac = ""] = m[2].replace("-", "").split(".");
    const value = BigInt(whole) * 10n ** 8n + BigInt(frac.padEnd(8, "0").slice(0, 8));
    const signed = m[2].startsWith("-") ? -value : value;
    scenario.prices[sym] = m[3] === "%" ? current[sym] + (current[sym] * signed) / (100n * 10n ** 8n) : signed;
    if (scenario.prices[sym]! <= 0n) throw new KeeperError(`--shock "${s}" would make the ${sym} price non-positive.`);
  }
  for (const s of swaps) {
    const m = /^(WETH_USDC|WBTC_USDC|WBTC_WETH|V3)=(-?\d+)$/.exec(s);
    if (!m)
      throw new KeeperError(`Invalid --swap "${s}".`, {
        metaMessages: ["Expected PAIR=BPS (pairs: WETH_USDC, WBTC_USDC, WBTC_WETH, V3), e.g. WETH_USDC=-450."],
      });
    if (m[1] === "V3") scenario.v3SkewBps = Number(m[2]);
    else scenario.v2Skews[m[1] as V2PairName] = Number(m[2]);
  }
  return scenario;
}

/**
 * Applies a scenario on a fork. A feed is made settable by replacing its code with our SettableAggregator's
 * (hardhat_setCode), which works for any Chainlink-style feed on any fork; swaps use the world's PoolActor, so
 * they need a deployment that has one (worlds from `npm run world`).
 */
export async function applyScenario(fork: LocalFork, world: World, scenario: Scenario): Promise<void> {
  const clients = fork.clients;
  const artifact = settableAggregator();
  for (const [sym, price] of Object.entries(scenario.prices) as [TokenSymbol, bigint][]) {
    const feed = world.feeds[sym];
    await makeSettable(fork, feed);
    await send(clients, { address: feed, abi: artifact.abi, functionName: "setAnswer", args: [price] });
  }
  const swaps = Object.entries(scenario.v2Skews) as [V2PairName, number][];
  if ((swaps.length || scenario.v3SkewBps) && !world.helpers?.poolActor) {
    throw new KeeperError("This deployment has no PoolActor to make swaps with.", {
      metaMessages: ["--swap works on worlds deployed by `npm run world`."],
    });
  }
  for (const [pair, bps] of swaps) await skewV2Pool(clients, world, pair, bps);
  if (scenario.v3SkewBps) await skewV3Pool(clients, world, scenario.v3SkewBps);
}

async function makeSettable(fork: LocalFork, feed: Address): Promise<void> {
  // Our feeds are settable already; anything else gets SettableAggregator's runtime code (decimals 8 baked in).
  try {
    await fork.clients.public.simulateContract({
      address: feed,
      abi: settableAggregator().abi,
      functionName: "setAnswer",
      args: [1n],
      account: fork.accounts[0],
    });
    return;
  } catch {
    const template = await deployTemplate(fork);
    const code = await fork.clients.public.getCode({ address: template });
    await fork.clients.public.request({ method: "hardhat_setCode", params: [feed, code!] } as never);
  }
}

let templateCache: { url: string; address: Address } | undefined;
async function deployTemplate(fork: LocalFork): Promise<Address> {
  if (templateCache?.url === fork.url) return templateCache.address;
  const { deploy } = await import("../world/tx.js");
  const address = await deploy(fork.clients, settableAggregator(), [8, "shock", 1n]);
  templateCache = { url: fork.url, address };
  return address;
}
