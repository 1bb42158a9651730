/**
 * Every protocol's revert table, for the executor's error decoding (which sits below the module registry, so it
 * cannot read the tables from the modules themselves). A protocol whose contracts revert with reason strings adds
 * its table here, beside its line in ./registry.ts.
 */
import { aaveReverts } from "./aaveV3/reverts.js";
import { morphoReverts } from "./morphoBlue/reverts.js";
import type { RevertTable } from "./revertTable.js";
import { uniswapV2Reverts } from "./uniswapV2/reverts.js";
import { uniswapV3Reverts } from "./uniswapV3/reverts.js";

export const REVERT_TABLES: readonly RevertTable[] = [aaveReverts, morphoReverts, uniswapV2Reverts, uniswapV3Reverts];
