/**
 * The one table of start blocks: the first block of each protocol's contracts per preset chain, where event
 * discovery starts. Facts, not settings; each row says where it comes from. Morpho Blue's come from
 * @morpho-org/blue-sdk (its `deployments` export), so they are read there, not typed here.
 */
import { deployments as morphoDeployments } from "@morpho-org/blue-sdk";
import type { PresetChain } from "./chains.js";

/** The protocols that discover positions from events (the venues read pool state and need no history). */
export type EventProtocol = "aave-v3" | "morpho-blue";

/**
 * Aave V3: the block of the market's PoolAddressesProviderRegistry deployment, which precedes the provider, the pool
 * and every reserve. Source: aave/protocol-subgraphs, config/{mainnet,base,arbitrum}-v3.json
 * ("PoolAddressesProviderRegistryStartBlock").
 */
const AAVE_V3_START_BLOCK: Readonly<Record<PresetChain, bigint>> = {
  ethereum: 16_291_006n,
  base: 2_357_105n,
  arbitrum: 7_736_400n,
};

/** The first block of `protocol` on the preset chain `chain` (chain id `chainId`). */
export function protocolStartBlock(chain: PresetChain, chainId: number, protocol: EventProtocol): bigint {
  if (protocol === "aave-v3") return AAVE_V3_START_BLOCK[chain];
  // blue-sdk: the block Morpho Blue was deployed at, per chain id.
  const block = (morphoDeployments as Record<number, { morpho?: bigint } | undefined>)[chainId]?.morpho;
  if (block === undefined)
    throw new Error(`@morpho-org/blue-sdk exports no Morpho deployment block for chain ${chainId}`);
  return block;
}
