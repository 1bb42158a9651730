/**
 * The part of a preset deployment that the maintained packages know: Aave's market (pool, oracle, data provider,
 * assets, eMode categories) from @aave-dao/aave-address-book, Morpho Blue and its adaptive IRM from
 * @morpho-org/blue-sdk, the Uniswap V2/V3 factories from @uniswap/sdk-core and Multicall3 from viem's chain
 * definitions. Nothing here is typed by us; pairs and pools need the chain (./resolve.ts).
 */
import { createRequire } from "node:module";
import { getChainAddresses } from "@morpho-org/blue-sdk";
import { getAddress, type Address } from "viem";
import { KeeperError } from "../errors.js";
import { PRESET_SOURCES, type PresetChain } from "./chains.js";
import type { PresetToken, ResolvedPair, ResolvedPool } from "./resolve.js";

export type { PresetToken };

// @uniswap/sdk-core's ES module build imports its own files without extensions, which Node's loader refuses (tsx
// forgives it, so only the compiled package broke): its CommonJS build is loaded instead.
const { V2_FACTORY_ADDRESSES, V3_CORE_FACTORY_ADDRESSES } = createRequire(import.meta.url)(
  "@uniswap/sdk-core",
) as typeof import("@uniswap/sdk-core");
import { protocolStartBlock } from "./startBlocks.js";

/** The package-derived deployment document (plain JSON data; bigints as decimal strings). */
export interface PackageDeployment {
  chainId: number;
  startBlock: string;
  /** First block per event-discovering protocol (the base `startBlock` is the earliest of them). */
  startBlocks: Record<string, string>;
  multicall3: Address;
  tokens: Record<string, PresetToken>;
  feeds: Record<string, Address>;
  wrappedNative: string;
  aave: {
    pool: Address;
    oracle: Address;
    addressesProvider: Address;
    dataProvider: Address;
    aclManager: Address;
    configurator: Address;
    eModes?: unknown;
  };
  morpho: { morpho: Address; adaptiveCurveIrm: Address; markets: [] };
  uniswapV2: { factory: Address; pairs: Record<string, ResolvedPair> };
  uniswapV3: { factory: Address; pools: Record<string, ResolvedPool> };
}

/** A package does not know a contract the preset needs on this chain (a package upgrade dropped it). */
export class PresetPackageError extends KeeperError {
  override name = "PresetPackageError";
}

function need(value: string | undefined, what: string, chain: PresetChain): Address {
  if (!value)
    throw new PresetPackageError(`No ${what} for the ${chain} preset.`, {
      metaMessages: ["Pin the package version in package.json, or write a deployment file by hand (DEPLOYMENT_FILE)."],
    });
  return getAddress(value);
}

/** The preset's tokens: every Aave reserve with its underlying, decimals and address-book symbol. */
export function presetTokens(chain: PresetChain): Record<string, PresetToken> {
  const assets = PRESET_SOURCES[chain].aave.ASSETS;
  return Object.fromEntries(
    Object.entries(assets).map(([symbol, a]) => [
      symbol,
      { address: getAddress(a.UNDERLYING), symbol, decimals: a.decimals },
    ]),
  );
}

/**
 * The deployment of `chain` as the packages give it: no pairs or pools (they need an RPC), no Morpho markets
 * (the preset cannot know which to watch: add them), and no Chainlink feeds (prices default to Aave's oracle;
 * feeds listed under "feeds" override it per token).
 */
export function packageDeployment(chain: PresetChain): PackageDeployment {
  const source = PRESET_SOURCES[chain];
  const chainId = source.chain.id;
  const aave = source.aave;
  if (aave.CHAIN_ID !== chainId)
    throw new PresetPackageError(
      `The address book's Aave market for ${chain} is on chain ${aave.CHAIN_ID}, not ${chainId}.`,
    );
  const morpho = getChainAddresses(chainId);
  const startBlocks = {
    "aave-v3": protocolStartBlock(chain, chainId, "aave-v3"),
    "morpho-blue": protocolStartBlock(chain, chainId, "morpho-blue"),
  };
  const earliest = Object.values(startBlocks).reduce((a, b) => (b < a ? b : a));
  return {
    chainId,
    startBlock: earliest.toString(),
    startBlocks: Object.fromEntries(Object.entries(startBlocks).map(([k, v]) => [k, v.toString()])),
    multicall3: need(source.chain.contracts?.multicall3?.address, "Multicall3 in viem/chains", chain),
    tokens: presetTokens(chain),
    feeds: {},
    wrappedNative: source.wrappedNative,
    aave: {
      pool: need(aave.POOL, "Aave pool", chain),
      oracle: need(aave.ORACLE, "Aave oracle", chain),
      addressesProvider: need(aave.POOL_ADDRESSES_PROVIDER, "Aave PoolAddressesProvider", chain),
      dataProvider: need(aave.AAVE_PROTOCOL_DATA_PROVIDER, "Aave data provider", chain),
      aclManager: need(aave.ACL_MANAGER, "Aave ACL manager", chain),
      configurator: need(aave.POOL_CONFIGURATOR, "Aave pool configurator", chain),
      ...(aave.E_MODES ? { eModes: aave.E_MODES } : {}),
    },
    morpho: {
      morpho: need(morpho.morpho, "Morpho Blue in @morpho-org/blue-sdk", chain),
      adaptiveCurveIrm: need(morpho.adaptiveCurveIrm, "Morpho's adaptive curve IRM in @morpho-org/blue-sdk", chain),
      markets: [],
    },
    uniswapV2: {
      factory: need(
        (V2_FACTORY_ADDRESSES as Record<number, string>)[chainId],
        "Uniswap V2 factory in @uniswap/sdk-core",
        chain,
      ),
      pairs: {},
    },
    uniswapV3: {
      factory: need(
        (V3_CORE_FACTORY_ADDRESSES as Record<number, string>)[chainId],
        "Uniswap V3 factory in @uniswap/sdk-core",
        chain,
      ),
      pools: {},
    },
  };
}
