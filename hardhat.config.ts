import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";

// Hardhat cannot download solc on this network, so both compilers come from npm as WASM
// (solc-js). The package versions are pinned exactly to the versions named here.
const require = createRequire(import.meta.url);
const solc0828 = require.resolve("solc/soljson.js");
const solc0819 = require.resolve("solc-0.8.19/soljson.js");

const optimizer = { enabled: true, runs: 200 };

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    compilers: [
      { version: "0.8.28", path: solc0828, settings: { optimizer, evmVersion: "cancun" } },
      // Morpho Blue pins 0.8.19 and is built with via-IR, as Morpho builds it.
      { version: "0.8.19", path: solc0819, settings: { optimizer: { enabled: true, runs: 999999 }, viaIR: true } },
    ],
    npmFilesToBuild: ["@morpho-org/morpho-blue/src/Morpho.sol"],
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
