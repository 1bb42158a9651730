import { getAddress, type Address } from "viem";
import { loadPackageArtifact } from "../chain/artifacts.js";
import { referencePrice, sqrtPriceX96 } from "./prices.js";
import { deploy, read, send } from "./tx.js";
import { poolActorArtifact } from "./uniswapV2.js";
import type { TokenInfo, TokenSymbol, V3PoolInfo, V3PoolName, WorldClients } from "./types.js";

export const v3FactoryArtifact = () =>
  loadPackageArtifact("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json");
export const v3PoolArtifact = () =>
  loadPackageArtifact("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json");

const TICK_SPACING = 60;
/** The widest range a 60-spacing pool accepts: MIN_TICK and MAX_TICK rounded inwards to the spacing. */
const FULL_RANGE_TICK = Math.floor(887_272 / TICK_SPACING) * TICK_SPACING;
/** A half-width wider than any range (a multiple of every spacing used): the layer is clamped to the full range. */
const WHOLE_RANGE = 2 * 887_280;
/** Tick spacing of each fee tier, as UniswapV3Factory enables them (100 is enabled by the world, as on mainnet). */
const TICK_SPACINGS: Record<number, number> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };

/** Half-width in ticks, rounded to the spacing, of the range [price / factor, price * factor]. */
function halfWidthFor(factor: number): number {
  return Math.round(Math.log(factor) / Math.log(1.0001) / TICK_SPACING) * TICK_SPACING;
}

/** One liquidity position: a range centred on the start price, sized by the token1 it holds at that price. */
export interface V3LiquidityLayer {
  /** Half-width in ticks (multiple of 60); FULL_RANGE_TICK or more means the full range. */
  halfWidthTicks: number;
  /** USD value (no decimals) of token1 the layer holds between the start price and its lower tick. */
  usdToken1: bigint;
}

/**
 * Liquidity shapes of the world's V3 pool. Ranges are symmetric in log-price ([p / f, p * f]), so the shape is the
 * same whichever of WETH and USDC sorts first.
 *
 * - "wide": like a mature ETH/USDC pool: a full-range floor plus layers at x/÷1.1, x/÷1.3 and x/÷1.6 of the start
 *   price, densest near it. A 20% ETH move stays inside the x/÷1.3 layer, so the pool keeps depth at the new price.
 * - "narrow": the original shape, a concentrated range (about +-6%) on top of a wide one (about x/÷3.3); after a 20%
 *   move only the wide range is left.
 */
export const V3_LIQUIDITY_SHAPES: Record<"wide" | "narrow", readonly V3LiquidityLayer[]> = {
  wide: [
    { halfWidthTicks: FULL_RANGE_TICK, usdToken1: 3_000_000n },
    { halfWidthTicks: halfWidthFor(1.6), usdToken1: 4_000_000n },
    { halfWidthTicks: halfWidthFor(1.3), usdToken1: 8_000_000n },
    { halfWidthTicks: halfWidthFor(1.1), usdToken1: 5_000_000n },
  ],
  narrow: [
    { halfWidthTicks: 600, usdToken1: 4_000_000n },
    { halfWidthTicks: 12_000, usdToken1: 6_000_000n },
  ],
};

/**
 * The world's V3 pools: the original WETH/USDC 0.3% pool (shaped by the `shape` option) and pools for the other
 * tokens in the fee tiers they trade in on mainnet, correlated and stable pairs concentrated near the peg. Half-widths
 * are multiples of each tier's spacing.
 */
export const V3_POOLS: Record<
  V3PoolName,
  { pair: [TokenSymbol, TokenSymbol]; fee: number; layers?: readonly V3LiquidityLayer[] }
> = {
  WETH_USDC_3000: { pair: ["WETH", "USDC"], fee: 3000 },
  wstETH_WETH_100: {
    pair: ["wstETH", "WETH"],
    fee: 100,
    layers: [
      { halfWidthTicks: WHOLE_RANGE, usdToken1: 1_000_000n },
      { halfWidthTicks: 100, usdToken1: 6_000_000n },
      { halfWidthTicks: 20, usdToken1: 4_000_000n },
    ],
  },
  wstETH_WETH_500: {
    pair: ["wstETH", "WETH"],
    fee: 500,
    layers: [
      { halfWidthTicks: WHOLE_RANGE, usdToken1: 1_000_000n },
      { halfWidthTicks: 490, usdToken1: 3_000_000n },
    ],
  },
  USDT_USDC_100: {
    pair: ["USDT", "USDC"],
    fee: 100,
    layers: [
      { halfWidthTicks: WHOLE_RANGE, usdToken1: 2_000_000n },
      { halfWidthTicks: 50, usdToken1: 15_000_000n },
    ],
  },
  WETH_USDT_500: {
    pair: ["WETH", "USDT"],
    fee: 500,
    layers: [
      { halfWidthTicks: WHOLE_RANGE, usdToken1: 2_000_000n },
      { halfWidthTicks: 950, usdToken1: 6_000_000n },
      { halfWidthTicks: 200, usdToken1: 3_000_000n },
    ],
  },
  GOV_WETH_3000: {
    pair: ["GOV", "WETH"],
    fee: 3000,
    layers: [
      { halfWidthTicks: WHOLE_RANGE, usdToken1: 2_000_000n },
      { halfWidthTicks: 2640, usdToken1: 2_000_000n },
    ],
  },
};

/** A V3 shape name: see V3_LIQUIDITY_SHAPES. */
export type V3LiquidityShape = keyof typeof V3_LIQUIDITY_SHAPES;

const Q96 = 2 ** 96;

/** Liquidity that holds roughly `amount1` of token1 between the current price and the lower tick. */
function liquidityFor(amount1: bigint, sqrtP: number, tickLower: number): bigint {
  const sqrtLower = Math.sqrt(1.0001 ** tickLower) * Q96;
  return BigInt(Math.floor((Number(amount1) * Q96) / (sqrtP - sqrtLower)));
}

/** A position to mint: ticks and liquidity. */
export interface V3Position {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
}

/**
 * Where the world's V3 pool starts and the positions a shape places around that price: pure, so tests can
 * recompute the liquidity the pool holds.
 *
 * @param params - The pool's token0 and token1, their USD prices (8 decimals) at deployment, and the shape.
 * @returns The start sqrtPriceX96 and one position per layer, ticks clamped to the full range.
 */
export function v3StartPositions(params: {
  token0: TokenInfo;
  token1: TokenInfo;
  prices: Record<TokenSymbol, bigint>;
  shape: readonly V3LiquidityLayer[];
  /** The pool's tick spacing; default 60 (the 0.3% tier). */
  tickSpacing?: number;
}): { sqrtPriceX96: bigint; positions: V3Position[] } {
  const { token0: t0, token1: t1, prices } = params;
  const spacing = params.tickSpacing ?? TICK_SPACING;
  const full = Math.floor(887_272 / spacing) * spacing;
  const price = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
  const sqrtP = sqrtPriceX96(price);
  const tick = Math.floor(Math.log(Number(price.num) / Number(price.den)) / Math.log(1.0001));
  const center = Math.round(tick / spacing) * spacing;
  const positions = params.shape.map((layer) => {
    const tickLower = Math.max(center - layer.halfWidthTicks, -full);
    const tickUpper = Math.min(center + layer.halfWidthTicks, full);
    const amount1 = (layer.usdToken1 * 10n ** 8n * 10n ** BigInt(t1.decimals)) / prices[t1.symbol];
    return { tickLower, tickUpper, liquidity: liquidityFor(amount1, Number(sqrtP), tickLower) };
  });
  return { sqrtPriceX96: sqrtP, positions };
}

/**
 * Deploys the real UniswapV3Factory from @uniswap/v3-core's artifacts (enabling the 0.01% tier, as governance did on
 * mainnet) and every pool of V3_POOLS initialised at the feed price, with liquidity in layered ranges around it (so
 * swaps cross initialised ticks, as on mainnet).
 */
export async function deployUniswapV3(
  clients: WorldClients,
  params: {
    tokens: Record<TokenSymbol, TokenInfo>;
    prices: Record<TokenSymbol, bigint>;
    poolActor: Address;
    /** Liquidity shape of the WETH/USDC 0.3% pool; default "wide". */
    shape?: V3LiquidityShape;
  },
): Promise<{ factory: Address; pools: Record<V3PoolName, V3PoolInfo> }> {
  const factoryArtifact = v3FactoryArtifact();
  const poolArtifact = v3PoolArtifact();
  const actor = poolActorArtifact();
  const factory = await deploy(clients, factoryArtifact);
  const factoryCall = (functionName: string, args: unknown[]) =>
    send(clients, { address: factory, abi: factoryArtifact.abi, functionName, args });
  await factoryCall("enableFeeAmount", [100, TICK_SPACINGS[100]]);
  const pools = {} as Record<V3PoolName, V3PoolInfo>;
  for (const [name, spec] of Object.entries(V3_POOLS) as [V3PoolName, (typeof V3_POOLS)[V3PoolName]][]) {
    const [a, b] = spec.pair.map((s) => params.tokens[s]);
    const tickSpacing = TICK_SPACINGS[spec.fee];
    await factoryCall("createPool", [a.address, b.address, spec.fee]);
    const address = getAddress(
      await read<Address>(clients, {
        address: factory,
        abi: factoryArtifact.abi,
        functionName: "getPool",
        args: [a.address, b.address, spec.fee],
      }),
    );
    const token0 = getAddress(await read<Address>(clients, { address, abi: poolArtifact.abi, functionName: "token0" }));
    const [t0, t1] = token0 === a.address ? [a, b] : [b, a];
    const { sqrtPriceX96: sqrtP, positions } = v3StartPositions({
      token0: t0,
      token1: t1,
      prices: params.prices,
      shape: spec.layers ?? V3_LIQUIDITY_SHAPES[params.shape ?? "wide"],
      tickSpacing,
    });
    await send(clients, { address, abi: poolArtifact.abi, functionName: "initialize", args: [sqrtP] });
    for (const p of positions) {
      await send(clients, {
        address: params.poolActor,
        abi: actor.abi,
        functionName: "mintV3",
        args: [address, p.tickLower, p.tickUpper, p.liquidity, clients.wallet.account.address],
      });
    }
    pools[name] = { address, token0, token1: t1.address, fee: spec.fee, tickSpacing };
  }
  return { factory, pools };
}
