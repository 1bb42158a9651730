/**
 * The chains the keeper has presets for, and what each preset picks from the maintained packages: the Aave market,
 * viem's chain definition (Multicall3) and the symbols whose pairs and pools are worth watching. Only names here:
 * every address comes from a package (./packages.ts) or from the chain (./resolve.ts).
 */
import { AaveV3Arbitrum, AaveV3Base, AaveV3Ethereum } from "@aave-dao/aave-address-book";
import type { Chain } from "viem";
import { arbitrum, base, mainnet } from "viem/chains";

/** Preset names (values of CHAIN / --chain). */
export const PRESET_CHAINS = ["ethereum", "base", "arbitrum"] as const;
export type PresetChain = (typeof PRESET_CHAINS)[number];

/** The parts of an aave-address-book market the keeper reads. */
export interface AaveBookMarket {
  readonly CHAIN_ID: number;
  readonly POOL: string;
  readonly POOL_ADDRESSES_PROVIDER: string;
  readonly ORACLE: string;
  readonly AAVE_PROTOCOL_DATA_PROVIDER: string;
  readonly ACL_MANAGER: string;
  readonly POOL_CONFIGURATOR: string;
  readonly ASSETS: Readonly<Record<string, { readonly UNDERLYING: string; readonly decimals: number }>>;
  readonly E_MODES?: Readonly<Record<string, unknown>>;
}

/** What one preset is made of. */
export interface PresetSource {
  readonly chain: Chain;
  readonly aave: AaveBookMarket;
  /**
   * Symbols (keys of the Aave market's assets) whose V2 pairs and V3 pools are resolved on chain: the liquid majors
   * a liquidation sells through and a rebalance trades against. Every pair of them is looked up.
   */
  readonly mainTokens: readonly string[];
  /** Symbol of the wrapped native token (gas is priced with it). */
  readonly wrappedNative: string;
}

export const PRESET_SOURCES: Readonly<Record<PresetChain, PresetSource>> = {
  ethereum: {
    chain: mainnet,
    aave: AaveV3Ethereum,
    mainTokens: ["WETH", "USDC", "USDT", "WBTC", "DAI"],
    wrappedNative: "WETH",
  },
  base: { chain: base, aave: AaveV3Base, mainTokens: ["WETH", "USDC", "cbBTC", "cbETH"], wrappedNative: "WETH" },
  arbitrum: {
    chain: arbitrum,
    aave: AaveV3Arbitrum,
    mainTokens: ["WETH", "USDCn", "USDC", "USDT", "WBTC", "ARB"],
    wrappedNative: "WETH",
  },
};

/** Whether `name` is a preset chain. */
export function isPresetChain(name: string): name is PresetChain {
  return (PRESET_CHAINS as readonly string[]).includes(name);
}
