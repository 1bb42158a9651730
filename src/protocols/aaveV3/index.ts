/** Aave V3: borrowers from pool events, accounts by incremental batched reads, liquidations flash-funded. */
import { WAD } from "../../risk/math/wadRay.js";
import type { ProtocolModule } from "../module.js";
import { batchAaveLiquidations } from "./batch.js";
import { findAaveLiquidations } from "./detect.js";
import type { AaveState } from "./read.js";
import { aaveActions } from "./readBack.js";
import { AaveReader } from "./reader.js";
import { aaveBatchKey, mergeAave, refineAaveLiquidation } from "./sequence.js";
import { aaveSectionSchema, type AaveSection } from "./schema.js";

declare module "../../watcher/snapshot.js" {
  interface SnapshotSlices {
    aave?: AaveState;
  }
}

export const aaveV3Module: ProtocolModule<AaveSection> = {
  name: "aave-v3",
  kind: "lending",
  section: "aave",
  schema: aaveSectionSchema,
  readWhen: (watch) => watch.has("aave-v3"),
  createReader: (deployment, options) => (deployment.aave ? new AaveReader(deployment.aave, options) : undefined),
  atRisk: (s) => s.aave?.accounts.filter((a) => a.totalDebtBase > 0n && a.healthFactor < WAD).length ?? 0,
  positionsWatched: (s) => s.aave?.accounts.length,
  // Accounts without debt are not positions: nothing to liquidate, no health to chart.
  gauges: (s) =>
    s.aave
      ? { healthFactors: s.aave.accounts.filter((a) => a.totalDebtBase > 0n).map((a) => a.healthFactor) }
      : undefined,
  context: (d) => (d.aave ? { aavePool: d.aave.pool } : {}),
  detect: findAaveLiquidations,
  combine: batchAaveLiquidations,
  refine: refineAaveLiquidation,
  merge: mergeAave,
  batchKey: aaveBatchKey,
  actions: aaveActions,
};
