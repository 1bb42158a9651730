/** Morpho Blue: positions from Borrow events, liquidations repaid inside the onMorphoLiquidate callback. */
import type { Address } from "viem";
import { morphoPositionHealth } from "../../risk/morpho/health.js";
import type { ProtocolModule } from "../module.js";
import { findMorphoLiquidations } from "./detect.js";
import type { MorphoState } from "./read.js";
import { morphoActions } from "./readBack.js";
import { MorphoReader } from "./reader.js";
import { mergeMorpho, morphoBatchKey, refineMorphoLiquidation } from "./sequence.js";
import { morphoSectionSchema, type MorphoSection } from "./schema.js";

declare module "../../watcher/snapshot.js" {
  interface SnapshotSlices {
    morpho?: MorphoState;
    /** Tokens Morpho Blue holds, by address: what its fee-free flashLoan can lend. */
    morphoLiquidity?: Readonly<Record<Address, bigint>>;
  }
}

export const morphoBlueModule: ProtocolModule<MorphoSection> = {
  name: "morpho-blue",
  kind: "lending",
  section: "morpho",
  schema: morphoSectionSchema,
  // Also read for Aave: Morpho's flash loan is one of its funding routes.
  readWhen: (watch) => watch.has("morpho-blue") || watch.has("aave-v3"),
  createReader: (deployment, options) =>
    deployment.morpho
      ? new MorphoReader(
          deployment.morpho,
          Object.values(deployment.tokens).map((t) => t.address),
          options,
        )
      : undefined,
  positionsWatched: (s) => (s.morpho ? s.stats.morphoBorrowersWatched : undefined),
  // Positions of a market whose oracle did not answer cannot be priced: they are left out, as detect leaves them.
  gauges: (s) =>
    s.morpho
      ? {
          healthFactors: s.morpho.markets.flatMap((m) =>
            m.price === undefined
              ? []
              : m.positions
                  .filter((p) => p.position.borrowShares > 0n)
                  .map(
                    (p) =>
                      morphoPositionHealth({
                        position: p.position,
                        market: m.state,
                        collateralPrice: m.price!,
                        lltv: m.params.lltv,
                      }).healthFactor,
                  ),
          ),
        }
      : undefined,
  context: (d) => (d.morpho ? { morpho: d.morpho.morpho } : {}),
  detect: findMorphoLiquidations,
  refine: refineMorphoLiquidation,
  merge: mergeMorpho,
  batchKey: morphoBatchKey,
  actions: morphoActions,
};
