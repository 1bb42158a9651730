import * as addressBook from "@aave-dao/aave-address-book";
import { deployments, getChainAddresses } from "@morpho-org/blue-sdk";
import { V2_FACTORY_ADDRESSES, V3_CORE_FACTORY_ADDRESSES } from "@uniswap/sdk-core";
import { getAddress, parseAbi } from "viem";
import * as viemChains from "viem/chains";
import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { parseDeployment } from "../../src/chain/deployment.js";
import {
  packageDeployment,
  PRESET_CHAINS,
  PRESET_SOURCES,
  presetDeployment,
  protocolStartBlock,
  resolveVenues,
  V3_FEE_TIERS,
} from "../../src/presets/index.js";
import { PresetChainMismatchError } from "../../src/presets/index.js";
import { DEPLOYMENT_SECTIONS } from "../../src/protocols/registry.js";
import { deployWorld, type World } from "../../src/world/index.js";

/** The packages' own exports, looked up by the names the packages give them (not through our preset table). */
const BOOK = {
  ethereum: addressBook.AaveV3Ethereum,
  base: addressBook.AaveV3Base,
  arbitrum: addressBook.AaveV3Arbitrum,
};
const VIEM = { ethereum: viemChains.mainnet, base: viemChains.base, arbitrum: viemChains.arbitrum };

describe("presets from the packages", () => {
  for (const chain of PRESET_CHAINS) {
    it(`${chain}: every address is the packages' and every section validates`, async () => {
      const doc = packageDeployment(chain);
      const book = BOOK[chain];
      const id = VIEM[chain].id;
      expect(doc.chainId).toBe(id);
      expect(book.CHAIN_ID).toBe(id);
      expect(doc.multicall3).toBe(getAddress(VIEM[chain].contracts.multicall3.address));
      expect(doc.aave.pool).toBe(getAddress(book.POOL));
      expect(doc.aave.oracle).toBe(getAddress(book.ORACLE));
      expect(doc.aave.dataProvider).toBe(getAddress(book.AAVE_PROTOCOL_DATA_PROVIDER));
      expect(doc.aave.addressesProvider).toBe(getAddress(book.POOL_ADDRESSES_PROVIDER));
      expect(doc.aave.eModes).toEqual(book.E_MODES);
      const assets = Object.entries(book.ASSETS);
      expect(Object.keys(doc.tokens).sort()).toEqual(assets.map(([s]) => s).sort());
      for (const [symbol, asset] of assets) {
        expect(doc.tokens[symbol]).toEqual({ address: getAddress(asset.UNDERLYING), symbol, decimals: asset.decimals });
      }
      const morpho = getChainAddresses(id);
      expect(doc.morpho.morpho).toBe(getAddress(morpho.morpho));
      expect(doc.morpho.adaptiveCurveIrm).toBe(getAddress(morpho.adaptiveCurveIrm!));
      expect(doc.uniswapV2.factory).toBe(getAddress((V2_FACTORY_ADDRESSES as Record<number, string>)[id]));
      expect(doc.uniswapV3.factory).toBe(getAddress((V3_CORE_FACTORY_ADDRESSES as Record<number, string>)[id]));
      // Start blocks: Morpho's is blue-sdk's deployment block; the base start block is the earliest protocol's.
      const morphoBlock = (deployments as Record<number, { morpho: bigint }>)[id].morpho;
      expect(protocolStartBlock(chain, id, "morpho-blue")).toBe(morphoBlock);
      const aaveBlock = protocolStartBlock(chain, id, "aave-v3");
      expect(BigInt(doc.startBlock)).toBe(aaveBlock < morphoBlock ? aaveBlock : morphoBlock);
      // The main tokens the pairs are resolved over are all reserves of the market.
      for (const s of PRESET_SOURCES[chain].mainTokens) expect(doc.tokens[s], s).toBeDefined();
      expect(doc.tokens[PRESET_SOURCES[chain].wrappedNative]).toBeDefined();

      // loadDeployment's parser, section by section: each is present after validation.
      const d = parseDeployment(JSON.parse(JSON.stringify(doc)), DEPLOYMENT_SECTIONS, chain);
      for (const section of Object.keys(DEPLOYMENT_SECTIONS))
        expect(d[section as keyof typeof d], section).toBeDefined();
      const built = await presetDeployment(chain, { sections: DEPLOYMENT_SECTIONS });
      expect(built.resolved).toBe(false);
      expect(built.deployment.aave!.pool).toBe(doc.aave.pool);
    });
  }
});

describe("pairs and pools resolved from the factories", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0, seed: 3 });
  }, 120_000);

  it("finds exactly the world's V2 pairs and V3 pools, with the factory's tick spacing", async () => {
    const tokens = Object.values(world.tokens);
    const venues = await resolveVenues(chain.public, {
      tokens,
      v2Factory: world.uniswapV2.factory,
      v3Factory: world.uniswapV3.factory,
    });
    const key = (p: { address: string; token0: string; token1: string }) => `${p.address}:${p.token0}:${p.token1}`;
    expect(Object.values(venues.pairs).map(key).sort()).toEqual(Object.values(world.uniswapV2.pairs).map(key).sort());
    const byAddress = (a: { address: string }, b: { address: string }) => a.address.localeCompare(b.address);
    expect(Object.values(venues.pools).sort(byAddress)).toEqual(Object.values(world.uniswapV3.pools).sort(byAddress));
    // Every fee tier was asked: a pool the world did not create is not there.
    const factory = parseAbi(["function getPool(address,address,uint24) view returns (address)"]);
    for (const fee of V3_FEE_TIERS) {
      const p = await chain.public.readContract({
        address: world.uniswapV3.factory,
        abi: factory,
        functionName: "getPool",
        args: [world.tokens.WETH.address, world.tokens.USDC.address, fee],
      });
      const named = venues.pools[`WETH_USDC_${fee}`] ?? venues.pools[`USDC_WETH_${fee}`];
      expect(named?.address ?? "0x0000000000000000000000000000000000000000").toBe(p);
    }
    // And the result validates as deployment sections.
    const d = parseDeployment(
      {
        ...world,
        uniswapV2: { factory: world.uniswapV2.factory, pairs: venues.pairs },
        uniswapV3: { factory: world.uniswapV3.factory, pools: venues.pools },
      },
      DEPLOYMENT_SECTIONS,
    );
    expect(Object.keys(d.uniswapV2!.pairs)).toHaveLength(Object.keys(world.uniswapV2.pairs).length);
  });

  it("refuses to resolve a preset over an RPC of another chain", async () => {
    await expect(presetDeployment("base", { sections: DEPLOYMENT_SECTIONS, client: chain.public })).rejects.toThrow(
      PresetChainMismatchError,
    );
  });
});
