import { getAddress, type Address } from "viem";
import { loadOwnArtifact, loadUniswapV2Artifact } from "../chain/artifacts.js";
import { amountForUsd } from "./prices.js";
import { deploy, read, send } from "./tx.js";
import type { TokenInfo, TokenSymbol, V2PairInfo, V2PairName, WorldClients } from "./types.js";

/** The world's V2 pairs by name (the first three are the original world's). */
export const V2_PAIRS: Record<V2PairName, [TokenSymbol, TokenSymbol]> = {
  WETH_USDC: ["WETH", "USDC"],
  WBTC_USDC: ["WBTC", "USDC"],
  WBTC_WETH: ["WBTC", "WETH"],
  wstETH_WETH: ["wstETH", "WETH"],
  USDT_USDC: ["USDT", "USDC"],
  WETH_USDT: ["WETH", "USDT"],
  GOV_WETH: ["GOV", "WETH"],
};

/** USD depth of each side of every V2 pair at deployment (8 decimals): $10M a side. */
export const V2_SIDE_USD = 10_000_000n * 10n ** 8n;

export const poolActorArtifact = () => loadOwnArtifact("contracts/test/PoolActor.sol", "PoolActor");

/**
 * Deploys the real UniswapV2Factory from @uniswap/v2-core's build and every pair of V2_PAIRS funded at the feed prices.
 * Liquidity is added by the PoolActor, which mints the test tokens it deposits.
 */
export async function deployUniswapV2(
  clients: WorldClients,
  params: { tokens: Record<TokenSymbol, TokenInfo>; prices: Record<TokenSymbol, bigint>; poolActor: Address },
): Promise<{ factory: Address; pairs: Record<V2PairName, V2PairInfo> }> {
  const factoryArtifact = loadUniswapV2Artifact("UniswapV2Factory");
  const pairArtifact = loadUniswapV2Artifact("UniswapV2Pair");
  const actor = poolActorArtifact();
  const factory = await deploy(clients, factoryArtifact, [clients.wallet.account.address]);
  const pairs = {} as Record<V2PairName, V2PairInfo>;
  for (const [name, [a, b]] of Object.entries(V2_PAIRS) as [V2PairName, [TokenSymbol, TokenSymbol]][]) {
    const ta = params.tokens[a];
    const tb = params.tokens[b];
    await send(clients, {
      address: factory,
      abi: factoryArtifact.abi,
      functionName: "createPair",
      args: [ta.address, tb.address],
    });
    const address = getAddress(
      await read<Address>(clients, {
        address: factory,
        abi: factoryArtifact.abi,
        functionName: "getPair",
        args: [ta.address, tb.address],
      }),
    );
    const token0 = getAddress(await read<Address>(clients, { address, abi: pairArtifact.abi, functionName: "token0" }));
    const [t0, t1] = token0 === ta.address ? [a, b] : [b, a];
    const amount0 = amountForUsd(params.tokens[t0], V2_SIDE_USD, params.prices[t0]);
    const amount1 = amountForUsd(params.tokens[t1], V2_SIDE_USD, params.prices[t1]);
    await send(clients, {
      address: params.poolActor,
      abi: actor.abi,
      functionName: "mintV2",
      args: [address, amount0, amount1, clients.wallet.account.address],
    });
    pairs[name] = { address, token0, token1: params.tokens[t1].address };
  }
  return { factory, pairs };
}
