import type { Address } from "viem";
import { loadOwnArtifact } from "../chain/artifacts.js";
import { MULTICALL3_ADDRESS } from "../chain/multicall.js";
import { deploy, read } from "./tx.js";
import type { TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

export { MULTICALL3_ADDRESS };

/**
 * The world's tokens in deployment order (the first three are the original world's, so their addresses come first).
 * `kind` picks the contract: a plain ERC-20, or the USDT-shaped one (no return values, zero-first approvals).
 * `rateOf` makes the token's price source an exchange-rate adapter over that token's feed instead of its own feed.
 */
export const TOKEN_SPECS: Record<
  TokenSymbol,
  { name: string; decimals: number; kind: "erc20" | "usdt"; rateOf?: TokenSymbol }
> = {
  WETH: { name: "Wrapped Ether (test)", decimals: 18, kind: "erc20" },
  USDC: { name: "USD Coin (test)", decimals: 6, kind: "erc20" },
  WBTC: { name: "Wrapped Bitcoin (test)", decimals: 8, kind: "erc20" },
  wstETH: { name: "Wrapped liquid staked Ether (test)", decimals: 18, kind: "erc20", rateOf: "WETH" },
  USDT: { name: "Tether USD (test)", decimals: 6, kind: "usdt" },
  GOV: { name: "Governance token (test)", decimals: 18, kind: "erc20" },
};

/** Exchange rates carry 18 decimals (stETH per wstETH, as Lido's stEthPerToken). */
export const RATE_UNIT = 10n ** 18n;
/** wstETH's starting rate over WETH: about today's stETH per wstETH. */
export const DEFAULT_LST_RATE = 1_200_000_000_000_000_000n;

export const DEFAULT_PRICES: Record<TokenSymbol, bigint> = {
  WETH: 3_000n * 10n ** 8n,
  USDC: 1n * 10n ** 8n,
  WBTC: 60_000n * 10n ** 8n,
  wstETH: 3_600n * 10n ** 8n,
  USDT: 1n * 10n ** 8n,
  GOV: 150n * 10n ** 8n,
};

export const testErc20 = () => loadOwnArtifact("contracts/test/TestERC20.sol", "TestERC20");
export const testUsdt = () => loadOwnArtifact("contracts/test/TestUSDT.sol", "TestUSDT");
export const settableAggregator = () => loadOwnArtifact("contracts/test/SettableAggregator.sol", "SettableAggregator");
export const ratioPriceAdapter = () => loadOwnArtifact("contracts/test/RatioPriceAdapter.sol", "RatioPriceAdapter");

/**
 * The starting prices of a world: the defaults overridden by `given`. A rate-priced token (wstETH) follows its base:
 * when only the base price is given it keeps the default rate; its price is then rounded to what the adapter will
 * answer (base x rate / 1e18), so pools funded at these prices match the price source exactly.
 */
export function worldPrices(given: Partial<Record<TokenSymbol, bigint>> = {}): {
  prices: Record<TokenSymbol, bigint>;
  rates: Partial<Record<TokenSymbol, bigint>>;
} {
  const prices: Record<TokenSymbol, bigint> = { ...DEFAULT_PRICES, ...given };
  const rates: Partial<Record<TokenSymbol, bigint>> = {};
  for (const symbol of Object.keys(TOKEN_SPECS) as TokenSymbol[]) {
    const base = TOKEN_SPECS[symbol].rateOf;
    if (!base) continue;
    const rate = given[symbol] !== undefined ? (given[symbol] * RATE_UNIT) / prices[base] : DEFAULT_LST_RATE;
    rates[symbol] = rate;
    prices[symbol] = (prices[base] * rate) / RATE_UNIT;
  }
  return { prices, rates };
}

/**
 * Deploys the test tokens and their USD price sources: a settable 8-decimal feed per token, or for a rate-priced
 * token an exchange-rate adapter over its base token's feed (answering only `latestAnswer`).
 */
export async function deployTokensAndFeeds(
  clients: WorldClients,
  prices: Record<TokenSymbol, bigint>,
  rates: Partial<Record<TokenSymbol, bigint>> = {},
): Promise<{
  tokens: Record<TokenSymbol, TokenInfo>;
  feeds: Record<TokenSymbol, Address>;
  rateAdapters: World["rateAdapters"];
}> {
  const feed = settableAggregator();
  const tokens = {} as Record<TokenSymbol, TokenInfo>;
  const feeds = {} as Record<TokenSymbol, Address>;
  const rateAdapters: World["rateAdapters"] = {};
  for (const symbol of Object.keys(TOKEN_SPECS) as TokenSymbol[]) {
    const spec = TOKEN_SPECS[symbol];
    const artifact = spec.kind === "usdt" ? testUsdt() : testErc20();
    const address = await deploy(clients, artifact, [spec.name, symbol, spec.decimals]);
    tokens[symbol] = { address, symbol, decimals: spec.decimals };
    if (spec.rateOf) {
      const rate = rates[symbol] ?? DEFAULT_LST_RATE;
      const adapter = await deploy(clients, ratioPriceAdapter(), [feeds[spec.rateOf], 18, rate, `${symbol} / USD`]);
      feeds[symbol] = adapter;
      rateAdapters[symbol] = { adapter, base: spec.rateOf };
    } else {
      feeds[symbol] = await deploy(clients, feed, [8, `${symbol} / USD`, prices[symbol]]);
    }
  }
  return { tokens, feeds, rateAdapters };
}

/**
 * Deploys our Multicall3 equivalent and, where the node allows it (Hardhat, anvil), copies its runtime
 * code to the canonical address so the keeper reads through the same address as on a live chain.
 */
export async function deployMulticall3(clients: WorldClients): Promise<Address> {
  const existing = await clients.public.getCode({ address: MULTICALL3_ADDRESS });
  if (existing && existing !== "0x") return MULTICALL3_ADDRESS;
  const artifact = loadOwnArtifact("contracts/test/Multicall3.sol", "Multicall3");
  const deployed = await deploy(clients, artifact);
  const code = await clients.public.getCode({ address: deployed });
  for (const method of ["hardhat_setCode", "anvil_setCode"] as const) {
    try {
      await clients.public.request({ method, params: [MULTICALL3_ADDRESS, code] } as never);
      await read(clients, { address: MULTICALL3_ADDRESS, abi: artifact.abi, functionName: "getBlockNumber" });
      return MULTICALL3_ADDRESS;
    } catch {
      // Not a development node: keep the freshly deployed copy.
    }
  }
  return deployed;
}
