import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import type { HardhatPlugin } from "hardhat/types/plugins";

// Hardhat cannot download solc on this network, so both compilers come from npm as WASM
// (solc-js). The package versions are pinned exactly to the versions named here.
const require = createRequire(import.meta.url);
const solc0828 = require.resolve("solc/soljson.js");
const solc0819 = require.resolve("solc-0.8.19/soljson.js");

const optimizer = { enabled: true, runs: 200 };

// Today's Aave V3 (v3.6) is built from its npm sources. Aave builds them with Foundry (optimizer 200 runs, evm
// shanghai, no metadata hash) and imports OpenZeppelin 5 as `openzeppelin-contracts/...` through a Foundry
// remapping the npm package does not ship: this plugin gives the package that remapping, onto the project's own
// @openzeppelin/contracts 5.x.
const AAVE_ORIGIN = "@aave-dao/aave-v3-origin";
const aaveOriginRemappings: HardhatPlugin = {
  id: "local:aave-v3-origin-remappings",
  hookHandlers: {
    solidity: async () => ({
      default: async () => ({
        readNpmPackageRemappings: async (context, name, version, packagePath, next) => {
          const own = await next(context, name, version, packagePath);
          if (name !== AAVE_ORIGIN) return own;
          return [
            ...own,
            {
              remappings: ["openzeppelin-contracts/contracts/=node_modules/@openzeppelin/contracts/"],
              source: `${packagePath}/remappings.txt`,
            },
          ];
        },
      }),
    }),
  },
};
const aaveSources = [
  "instances/PoolInstance.sol",
  "instances/PoolConfiguratorInstance.sol",
  "instances/ATokenInstance.sol",
  "instances/VariableDebtTokenInstance.sol",
  "protocol/configuration/PoolAddressesProvider.sol",
  "protocol/configuration/ACLManager.sol",
  "misc/AaveOracle.sol",
  "misc/DefaultReserveInterestRateStrategyV2.sol",
  "helpers/AaveProtocolDataProvider.sol",
  // The pool's external libraries: artifacts of their own, to deploy and link.
  ...["Borrow", "Configurator", "FlashLoan", "Liquidation", "Pool", "Supply"].map(
    (l) => `protocol/libraries/logic/${l}Logic.sol`,
  ),
].map((f) => `${AAVE_ORIGIN}/src/contracts/${f}`);
const aaveSettings = { optimizer, evmVersion: "shanghai", metadata: { bytecodeHash: "none" } };

export default defineConfig({
  plugins: [hardhatToolboxViem, aaveOriginRemappings],
  solidity: {
    compilers: [
      { version: "0.8.28", path: solc0828, settings: { optimizer, evmVersion: "cancun" } },
      // Morpho Blue pins 0.8.19 and is built with via-IR, as Morpho builds it.
      { version: "0.8.19", path: solc0819, settings: { optimizer: { enabled: true, runs: 999999 }, viaIR: true } },
    ],
    overrides: Object.fromEntries(
      aaveSources.map((f) => [f, { version: "0.8.28", path: solc0828, settings: aaveSettings }]),
    ),
    npmFilesToBuild: ["@morpho-org/morpho-blue/src/Morpho.sol", ...aaveSources],
  },
  networks: {
    localhost: { type: "http", chainType: "l1", url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
  },
  // A local node (chain id 31337) can only be forked when Hardhat knows its hardfork history.
  chainDescriptors: {
    31337: {
      name: "hardhat-local",
      hardforkHistory: { osaka: { blockNumber: 0 } },
    },
  },
});
