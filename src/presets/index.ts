/**
 * Deployments of real chains built from maintained packages (`--chain ethereum|base|arbitrum`): the packages give
 * the protocols' contracts and tokens (./packages.ts), the chain gives the pairs and pools (./resolve.ts). The
 * result is the deployment format loadDeployment reads, validated by the same parser, so it can be printed,
 * edited and pinned as a DEPLOYMENT_FILE.
 */
import type { Chain, PublicClient, Transport } from "viem";
import { parseDeployment, type Deployment, type SectionSchemas } from "../chain/deployment.js";
import { KeeperError } from "../errors.js";
import { PRESET_SOURCES, type PresetChain } from "./chains.js";
import { packageDeployment, type PackageDeployment } from "./packages.js";
import { resolveVenues } from "./resolve.js";

export { isPresetChain, PRESET_CHAINS, PRESET_SOURCES, type PresetChain } from "./chains.js";
export { packageDeployment, presetTokens, type PackageDeployment } from "./packages.js";
export { resolveVenues, V3_FEE_TIERS, type ResolvedVenues } from "./resolve.js";
export { protocolStartBlock } from "./startBlocks.js";

/** A preset deployment: the JSON document and the validated Deployment. */
export interface PresetDeployment {
  document: PackageDeployment;
  deployment: Deployment;
  /** Whether the pairs and pools were resolved on chain (false: the package-derived part only). */
  resolved: boolean;
}

/** The RPC serves another chain than the preset's. */
export class PresetChainMismatchError extends KeeperError {
  override name = "PresetChainMismatchError";
}

/**
 * The deployment of the preset `chain`, validated against `sections`. With `client`, the V2 pairs and V3 pools of
 * the preset's main tokens are resolved from the factories on chain; without, they are left empty.
 */
export async function presetDeployment(
  chain: PresetChain,
  options: { sections: SectionSchemas; client?: PublicClient<Transport, Chain> },
): Promise<PresetDeployment> {
  const document = packageDeployment(chain);
  if (options.client) {
    const id = await options.client.getChainId();
    if (id !== document.chainId)
      throw new PresetChainMismatchError(
        `The RPC serves chain ${id}; the ${chain} preset is chain ${document.chainId}.`,
        {
          metaMessages: [`Point --rpc (RPC_URL) at a ${chain} node, or choose the preset of that chain with --chain.`],
        },
      );
    const main = PRESET_SOURCES[chain].mainTokens.flatMap((s) => document.tokens[s] ?? []);
    const venues = await resolveVenues(options.client, {
      tokens: main,
      v2Factory: document.uniswapV2.factory,
      v3Factory: document.uniswapV3.factory,
    });
    document.uniswapV2.pairs = venues.pairs;
    document.uniswapV3.pools = venues.pools;
  }
  const deployment = parseDeployment(document, options.sections, `${chain} preset`);
  return { document, deployment, resolved: options.client !== undefined };
}
