import type { Address } from "viem";
import { loadOwnArtifact } from "../chain/artifacts.js";
import { MULTICALL3_ADDRESS } from "../chain/multicall.js";
import { deploy, read } from "./tx.js";
import type { TokenInfo, TokenSymbol, WorldClients } from "./types.js";

export { MULTICALL3_ADDRESS };

export const TOKEN_SPECS: Record<TokenSymbol, { name: string; decimals: number }> = {
  WETH: { name: "Wrapped Ether (test)", decimals: 18 },
  USDC: { name: "USD Coin (test)", decimals: 6 },
  WBTC: { name: "Wrapped Bitcoin (test)", decimals: 8 },
};

export const DEFAULT_PRICES: Record<TokenSymbol, bigint> = {
  WETH: 3_000n * 10n ** 8n,
  USDC: 1n * 10n ** 8n,
  WBTC: 60_000n * 10n ** 8n,
};

export const testErc20 = () => loadOwnArtifact("contracts/test/TestERC20.sol", "TestERC20");
export const settableAggregator = () => loadOwnArtifact("contracts/test/SettableAggregator.sol", "SettableAggregator");

/** Deploys the three test tokens and a settable 8-decimal USD feed for each. */
export async function deployTokensAndFeeds(
  clients: WorldClients,
  prices: Record<TokenSymbol, bigint>,
): Promise<{ tokens: Record<TokenSymbol, TokenInfo>; feeds: Record<TokenSymbol, Address> }> {
  const erc20 = testErc20();
  const feed = settableAggregator();
  const tokens = {} as Record<TokenSymbol, TokenInfo>;
  const feeds = {} as Record<TokenSymbol, Address>;
  for (const symbol of Object.keys(TOKEN_SPECS) as TokenSymbol[]) {
    const spec = TOKEN_SPECS[symbol];
    const address = await deploy(clients, erc20, [spec.name, symbol, spec.decimals]);
    tokens[symbol] = { address, symbol, decimals: spec.decimals };
    feeds[symbol] = await deploy(clients, feed, [8, `${symbol} / USD`, prices[symbol]]);
  }
  return { tokens, feeds };
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
