import { encodeAbiParameters, keccak256, maxUint256, zeroAddress, type Address, type Hex } from "viem";
import { loadOwnArtifact } from "../chain/artifacts.js";
import { testErc20 } from "./tokens.js";
import { deploy, send } from "./tx.js";
import type { MorphoMarketParams, TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

/** Morpho Blue as compiled by Hardhat from @morpho-org/morpho-blue's sources (0.8.19, via-IR). */
export const morphoArtifact = () => loadOwnArtifact("@morpho-org/morpho-blue/src/Morpho.sol", "Morpho");
export const feedOracleArtifact = () => loadOwnArtifact("contracts/test/FeedOracle.sol", "FeedOracle");

export const MORPHO_LLTV = 860_000_000_000_000_000n; // 86%
/** Loan-token liquidity supplied to the market: USD, 8 decimals. */
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
 * Deploys Morpho Blue and a WETH-collateral / USDC-loan market at LLTV 86%, priced by a FeedOracle that reads the
 * same feeds as Aave. The IRM is address(0) (enabled by the owner): Morpho allows a market without interest.
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
  const { WETH, USDC } = params.tokens;
  const oracle = await deploy(clients, feedOracleArtifact(), [
    params.feeds.WETH,
    params.feeds.USDC,
    WETH.decimals,
    USDC.decimals,
  ]);
  const marketParams: MorphoMarketParams = {
    loanToken: USDC.address,
    collateralToken: WETH.address,
    oracle,
    irm: zeroAddress,
    lltv: MORPHO_LLTV,
  };
  await send(clients, { address: morpho, abi: art.abi, functionName: "enableIrm", args: [zeroAddress] });
  await send(clients, { address: morpho, abi: art.abi, functionName: "enableLltv", args: [MORPHO_LLTV] });
  await send(clients, { address: morpho, abi: art.abi, functionName: "createMarket", args: [marketParams] });
  const amount = (SUPPLY_USD * 10n ** BigInt(USDC.decimals)) / params.prices.USDC;
  const erc20 = testErc20().abi;
  await send(clients, { address: USDC.address, abi: erc20, functionName: "mint", args: [me, amount] });
  await send(clients, { address: USDC.address, abi: erc20, functionName: "approve", args: [morpho, maxUint256] });
  await send(clients, {
    address: morpho,
    abi: art.abi,
    functionName: "supply",
    args: [marketParams, amount, 0n, me, "0x"],
  });
  const marketId = morphoMarketId(marketParams);
  return { morpho, oracle, marketId, marketParams, markets: [{ id: marketId, params: marketParams }] };
}
