import { getAddress, type Address } from "viem";
import { loadPackageArtifact } from "../chain/artifacts.js";
import { referencePrice, sqrtPriceX96 } from "./prices.js";
import { deploy, read, send } from "./tx.js";
import { poolActorArtifact } from "./uniswapV2.js";
import type { TokenInfo, TokenSymbol, V3PoolInfo, WorldClients } from "./types.js";

export const v3FactoryArtifact = () =>
  loadPackageArtifact("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json");
export const v3PoolArtifact = () =>
  loadPackageArtifact("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json");

const FEE = 3000;
const TICK_SPACING = 60;
/** Liquidity shape: a concentrated range (about +-6%) on top of a wide one (about x/÷3.3). */
const RANGES: { halfWidthTicks: number; usdToken1: bigint }[] = [
  { halfWidthTicks: 600, usdToken1: 4_000_000n },
  { halfWidthTicks: 12_000, usdToken1: 6_000_000n },
];

const Q96 = 2 ** 96;

/** Liquidity that holds roughly `amount1` of token1 between the current price and the lower tick. */
function liquidityFor(amount1: bigint, sqrtP: number, tickLower: number): bigint {
  const sqrtLower = Math.sqrt(1.0001 ** tickLower) * Q96;
  return BigInt(Math.floor((Number(amount1) * Q96) / (sqrtP - sqrtLower)));
}

/**
 * Deploys the real UniswapV3Factory from @uniswap/v3-core's artifacts and a WETH/USDC 0.3% pool initialised at
 * the feed price, with liquidity in two ranges around it (so swaps cross initialised ticks, as on mainnet).
 */
export async function deployUniswapV3(
  clients: WorldClients,
  params: { tokens: Record<TokenSymbol, TokenInfo>; prices: Record<TokenSymbol, bigint>; poolActor: Address },
): Promise<{ factory: Address; pools: { WETH_USDC_3000: V3PoolInfo } }> {
  const factoryArtifact = v3FactoryArtifact();
  const poolArtifact = v3PoolArtifact();
  const actor = poolActorArtifact();
  const factory = await deploy(clients, factoryArtifact);
  const { WETH, USDC } = params.tokens;
  await send(clients, { address: factory, abi: factoryArtifact.abi, functionName: "createPool", args: [WETH.address, USDC.address, FEE] });
  const address = getAddress(
    await read<Address>(clients, { address: factory, abi: factoryArtifact.abi, functionName: "getPool", args: [WETH.address, USDC.address, FEE] }),
  );
  const token0 = getAddress(await read<Address>(clients, { address, abi: poolArtifact.abi, functionName: "token0" }));
  const [t0, t1] = token0 === WETH.address ? [WETH, USDC] : [USDC, WETH];
  const price = referencePrice(t0, params.prices[t0.symbol], t1, params.prices[t1.symbol]);
  const sqrtP = sqrtPriceX96(price);
  await send(clients, { address, abi: poolArtifact.abi, functionName: "initialize", args: [sqrtP] });

  const tick = Math.floor(Math.log(Number(price.num) / Number(price.den)) / Math.log(1.0001));
  const center = Math.round(tick / TICK_SPACING) * TICK_SPACING;
  for (const range of RANGES) {
    const tickLower = center - range.halfWidthTicks;
    const tickUpper = center + range.halfWidthTicks;
    const amount1 = (range.usdToken1 * 10n ** 8n * 10n ** BigInt(t1.decimals)) / params.prices[t1.symbol];
    const liquidity = liquidityFor(amount1, Number(sqrtP), tickLower);
    await send(clients, {
      address: params.poolActor,
      abi: actor.abi,
      functionName: "mintV3",
      args: [address, tickLower, tickUpper, liquidity, clients.wallet.account.address],
    });
  }
  return {
    factory,
    pools: { WETH_USDC_3000: { address, token0, token1: t1.address, fee: FEE, tickSpacing: TICK_SPACING } },
  };
}
