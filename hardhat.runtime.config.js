// The Hardhat config an installed keeper runs its local chains with (`simulate`, `demo`, `world`,
// `run --fork-url`). hardhat.config.ts, in a source checkout, also compiles the contracts; the published package
// ships them compiled and has no Solidity compilers, so this one holds only what a chain needs. Keep
// chainDescriptors in step with hardhat.config.ts.
import { defineConfig } from "hardhat/config";

export default defineConfig({
  // A local node (chain id 31337) can only be forked when Hardhat knows its hardfork history.
  chainDescriptors: {
    31337: {
      name: "hardhat-local",
      hardforkHistory: { osaka: { blockNumber: 0 } },
    },
  },
});
