import { encodeAbiParameters, keccak256, maxUint256, zeroAddress, type Address, type Hex } from "viem";
import { loadOwnArtifact } from "../chain/artifacts.js";
import { testErc20 } from "./tokens.js";
import { deploy, send } from "./tx.js";
import type { MorphoMarketParams, TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

/** Morpho Blue as compiled by Hardhat from @morpho-org/morpho-blue's sources (0.8.19, via-IR). */
export const morphoArtifact = () => loadOwnArtifact("@morpho-org/morpho-blue/src/Morpho.sol", "Morpho");
export const feedOracleArtifact = () => loadOwnArtifact("contracts/test/FeedOracle.sol", "FeedOracle");

/** LLTV of the first market (WETH / USDC), 86%. */
export const MORPHO_LLTV = 860_000_000_000_000_000n;

/** One Morpho Blue market of the world: collateral, loan token and LLTV (18 decimals), as on Morpho's Ethereum list. */
export interface MorphoMarketSpec {
  collateral: TokenSymbol;
  loan: TokenSymbol;
  lltv: bigint;
}

/** The world's markets, the first one being the original WETH/USDC market. */
export const MORPHO_MARKETS: readonly MorphoMarketSpec[] = [
  { collateral: "WETH", loan: "USDC", lltv: MORPHO_LLTV },
  { collateral: "wstETH", loan: "WETH", lltv: 945_000_000_000_000_000n },
  { collateral: "WBTC", loan: "USDT", lltv: MORPHO_LLTV },
];

/** Loan-token liquidity supplied to each market: USD, 8 decimals. */
const SUPPLY_USD = 200_000_000n * 10n ** 8n;

/** Morpho's market id: keccak256 of the ABI-encoded MarketParams, as MarketParamsLib computes it. */
export function morphoMarketId(p: MorphoMarketParams): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "address" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
      [p.loanToken, p.collateralToken, p.oracle, p.irm, p.lltv],
    ),
  );
}

/**
 * Deploys Morpho Blue and the markets of MORPHO_MARKETS, each priced by a FeedOracle (Morpho's IOracle shape:
 * loan units per collateral unit scaled 1e36) that reads the same feeds and adapters as Aave. The IRM is address(0)
 * (enabled by the owner): Morpho allows a market without interest. Each market gets loan-token liquidity.
 */
export async function deployMorpho(
  clients: WorldClients,
  params: {
    tokens: Record<TokenSymbol, TokenInfo>;
    feeds: Record<TokenSymbol, Address>;
    prices: Record<TokenSymbol, bigint>;
  },
): Promise<World["morpho"]> {
  const me = clients.wallet.account.address;
  const art = morphoArtifact();
  const morpho = await deploy(clients, art, [me]);
  const call = (functionName: string, args: unknown[]) =>
    send(clients, { address: morpho, abi: art.abi, functionName, args });
  await call("enableIrm", [zeroAddress]);
  for (const lltv of new Set(MORPHO_MARKETS.map((m) => m.lltv))) await call("enableLltv", [lltv]);
  const erc20 = testErc20().abi;
  const approved = new Set<TokenSymbol>();
  const markets: World["morpho"]["markets"] = [];
  for (const spec of MORPHO_MARKETS) {
    const collateral = params.tokens[spec.collateral];
    const loan = params.tokens[spec.loan];
    const oracle = await deploy(clients, feedOracleArtifact(), [
      params.feeds[spec.collateral],
      params.feeds[spec.loan],
      collateral.decimals,
      loan.decimals,
    ]);
    const marketParams: MorphoMarketParams = {
      loanToken: loan.address,
      collateralToken: collateral.address,
      oracle,
      irm: zeroAddress,
      lltv: spec.lltv,
    };
    await call("createMarket", [marketParams]);
    const amount = (SUPPLY_USD * 10n ** BigInt(loan.decimals)) / params.prices[spec.loan];
    await send(clients, { address: loan.address, abi: erc20, functionName: "mint", args: [me, amount] });
    // One unlimited approval per token: a USDT-shaped token refuses a second nonzero approval.
    if (!approved.has(spec.loan)) {
      await send(clients, { address: loan.address, abi: erc20, functionName: "approve", args: [morpho, maxUint256] });
      approved.add(spec.loan);
    }
    await call("supply", [marketParams, amount, 0n, me, "0x"]);
    markets.push({ id: morphoMarketId(marketParams), params: marketParams });
  }
  const [first] = markets;
  return { morpho, oracle: first.params.oracle, marketId: first.id, marketParams: first.params, markets };
}
