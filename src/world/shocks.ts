import type { Address } from "viem";
import { KeeperError } from "../errors.js";
import type { LocalFork } from "../fork/fork.js";
import { setPrice, skewV2Pool, skewV3Pool } from "./actions.js";
import { settableAggregator, TOKEN_SPECS } from "./tokens.js";
import { send } from "./tx.js";
import { V2_PAIRS } from "./uniswapV2.js";
import { V3_POOLS } from "./uniswapV3.js";
import type { TokenSymbol, V2PairName, V3PoolName, World } from "./types.js";

/** A market scenario to apply on a fork: feed prices (USD, 8 decimals) and pool skews (bps). */
export interface Scenario {
  /** Final USD prices. A rate-priced token (wstETH) reaches its price through its exchange rate, after its base. */
  prices: Partial<Record<TokenSymbol, bigint>>;
  v2Skews: Partial<Record<V2PairName, number>>;
  /** Skew of the WETH/USDC 0.3% pool (`V3=`). */
  v3SkewBps?: number;
  /** Skews of V3 pools by name. */
  v3Skews?: Partial<Record<V3PoolName, number>>;
}

const SYMBOLS = Object.keys(TOKEN_SPECS) as TokenSymbol[];
const V2_NAMES = Object.keys(V2_PAIRS) as V2PairName[];
const V3_NAMES = Object.keys(V3_POOLS) as V3PoolName[];

/**
 * Parses `--shock WETH=-12%` / `--shock WETH=2640` (a relative move or a new USD price; `wstETH=-4%` moves the
 * wstETH/WETH exchange rate, the depeg that makes eMode borrowers liquidatable) and `--swap WETH_USDC=-450` (a pool
 * skew in bps: a V2 pair name, a V3 pool name such as `wstETH_WETH_100`, or `V3` for the WETH/USDC 0.3% pool) into a
 * Scenario, against the current prices.
 */
export function parseScenario(
  shocks: readonly string[],
  swaps: readonly string[],
  current: Record<TokenSymbol, bigint>,
): Scenario {
  const scenario: Scenario = { prices: {}, v2Skews: {} };
  for (const s of shocks) {
    const m = new RegExp(`^(${SYMBOLS.join("|")})=(-?\\d+(?:\\.\\d+)?)(%?)$`).exec(s);
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
    const m = new RegExp(`^(${[...V2_NAMES, ...V3_NAMES, "V3"].join("|")})=(-?\\d+)$`).exec(s);
    if (!m)
      throw new KeeperError(`Invalid --swap "${s}".`, {
        metaMessages: [
          `Expected POOL=BPS (V2 pairs: ${V2_NAMES.join(", ")}; V3 pools: ${V3_NAMES.join(", ")}, or V3 for WETH_USDC_3000), e.g. WETH_USDC=-450.`,
        ],
      });
    if (m[1] === "V3") scenario.v3SkewBps = Number(m[2]);
    else if ((V3_NAMES as string[]).includes(m[1])) (scenario.v3Skews ??= {})[m[1] as V3PoolName] = Number(m[2]);
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
  const shocks = Object.entries(scenario.prices) as [TokenSymbol, bigint][];
  const rated = (sym: TokenSymbol) => world.rateAdapters?.[sym] !== undefined;
  // Feeds first, then exchange rates: a rate-priced token's target is its final price, after its base moved.
  for (const [sym, price] of shocks.filter(([s]) => !rated(s))) {
    const feed = world.feeds[sym];
    await makeSettable(fork, feed);
    await send(clients, { address: feed, abi: artifact.abi, functionName: "setAnswer", args: [price] });
  }
  for (const [sym, price] of shocks.filter(([s]) => rated(s))) await setPrice(clients, world, sym, price);
  const swaps = Object.entries(scenario.v2Skews) as [V2PairName, number][];
  const v3 = Object.entries(scenario.v3Skews ?? {}) as [V3PoolName, number][];
  if ((swaps.length || v3.length || scenario.v3SkewBps) && !world.helpers?.poolActor) {
    throw new KeeperError("This deployment has no PoolActor to make swaps with.", {
      metaMessages: ["--swap works on worlds deployed by `npm run world`."],
    });
  }
  for (const [pair, bps] of swaps) await skewV2Pool(clients, world, pair, bps);
  if (scenario.v3SkewBps) await skewV3Pool(clients, world, scenario.v3SkewBps);
  for (const [pool, bps] of v3) if (bps) await skewV3Pool(clients, world, bps, pool);
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
