/**
 * Where the keeper's deployment comes from: a preset (CHAIN, built from packages and resolved on chain) or the
 * DEPLOYMENT_FILE; and `keeper deployment`, which prints a preset as the file a user can inspect, edit and pin.
 */
import { createPublicClient, type Chain, type PublicClient, type Transport } from "viem";
import { rpcTransport } from "../chain/clients.js";
import { deploymentToJson, loadDeployment, type Deployment } from "../chain/deployment.js";
import type { KeeperConfig } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { presetDeployment, PRESET_CHAINS, PRESET_SOURCES, type PresetChain } from "../presets/index.js";
import { DEPLOYMENT_SECTIONS } from "../protocols/registry.js";

/** A read client of the preset's chain (viem's definition: its Multicall3) over the configured endpoints. */
function presetClient(chain: PresetChain, urls: readonly string[]): PublicClient<Transport, Chain> {
  return createPublicClient({ chain: PRESET_SOURCES[chain].chain, transport: rpcTransport(urls) }) as PublicClient<
    Transport,
    Chain
  >;
}

/**
 * The deployment the keeper works with: the CHAIN preset with its pairs and pools resolved through `rpcUrl` (and
 * RPC_URLS), or the DEPLOYMENT_FILE.
 */
export async function configuredDeployment(
  config: Pick<KeeperConfig, "chain" | "deploymentFile" | "rpcUrls" | "morphoMarkets">,
  rpcUrl: string | undefined,
): Promise<Deployment> {
  return withMorphoMarkets(await baseDeployment(config, rpcUrl), config.morphoMarkets);
}

/** MORPHO_MARKETS, when set, replaces the deployment's own choice of Morpho markets to discover. */
function withMorphoMarkets(deployment: Deployment, choice: KeeperConfig["morphoMarkets"]): Deployment {
  if (choice === undefined || !deployment.morpho) return deployment;
  const discover = choice === false || choice === "known-tokens" ? choice : [...choice];
  return { ...deployment, morpho: { ...deployment.morpho, discover } };
}

async function baseDeployment(
  config: Pick<KeeperConfig, "chain" | "deploymentFile" | "rpcUrls">,
  rpcUrl: string | undefined,
): Promise<Deployment> {
  if (!config.chain) return loadDeployment(config.deploymentFile, DEPLOYMENT_SECTIONS);
  if (!rpcUrl)
    throw new KeeperError(`The ${config.chain} preset needs an RPC to resolve its pairs and pools.`, {
      metaMessages: [
        "Pass --rpc <url> (RPC_URL), or pin the deployment: keeper deployment --chain <name> --rpc <url>.",
      ],
    });
  const urls = [rpcUrl, ...config.rpcUrls];
  const { deployment } = await presetDeployment(config.chain, {
    sections: DEPLOYMENT_SECTIONS,
    client: presetClient(config.chain, urls),
  });
  return deployment;
}

/**
 * `keeper deployment --chain <name> [--rpc <url>]`: prints the preset's deployment as JSON on stdout. Without an
 * RPC it prints the package-derived part (no pairs or pools) and says so on stderr.
 */
export async function runDeployment(config: KeeperConfig): Promise<number> {
  if (!config.chain)
    throw new KeeperError("keeper deployment needs --chain.", {
      metaMessages: [`Choose one of ${PRESET_CHAINS.join(", ")}: keeper deployment --chain base --rpc <url>.`],
    });
  const urls = config.rpcUrl ? [config.rpcUrl, ...config.rpcUrls] : [];
  const preset = await presetDeployment(config.chain, {
    sections: DEPLOYMENT_SECTIONS,
    client: urls.length > 0 ? presetClient(config.chain, urls) : undefined,
  });
  console.log(deploymentToJson(preset.document));
  if (!preset.resolved)
    console.error(
      `No --rpc given: this is the package-derived part of the ${config.chain} preset, without V2 pairs or V3 pools. ` +
        "Pass --rpc <url> to resolve them from the Uniswap factories.",
    );
  const pairs = Object.keys(preset.document.uniswapV2.pairs).length;
  const pools = Object.keys(preset.document.uniswapV3.pools).length;
  if (preset.resolved)
    console.error(`Resolved ${pairs} V2 pairs and ${pools} V3 pools on chain ${preset.document.chainId}.`);
  console.error(
    "Morpho markets are found on chain from CreateMarket events (by default every market of the listed tokens); " +
      'pin some under morpho.markets, or choose with "discover" (false, "known-tokens" or market ids) or MORPHO_MARKETS.',
  );
  return 0;
}
