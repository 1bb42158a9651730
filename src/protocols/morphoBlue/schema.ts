import { z } from "zod";
import { zAddress, zBigint, zBytes32 } from "../../chain/deployment.js";

const marketParamsSchema = z.object({
  loanToken: zAddress,
  collateralToken: zAddress,
  oracle: zAddress,
  irm: zAddress,
  lltv: zBigint,
});

const marketSchema = z.object({ id: zBytes32, params: marketParamsSchema });

/**
 * The `morpho` section of a deployment: Morpho Blue and the markets to watch. A single-market file of the older
 * shape (`marketId` + `marketParams`) is read as a one-market list.
 */
export const morphoSectionSchema = z.preprocess(
  (raw) => {
    const r = raw as Record<string, unknown> | null;
    if (r && typeof r === "object" && r.markets === undefined && r.marketId !== undefined) {
      return { ...r, markets: [{ id: r.marketId, params: r.marketParams }] };
    }
    return raw;
  },
  z
    .object({
      morpho: zAddress,
      markets: z.array(marketSchema),
      /**
       * Markets to add from CreateMarket events: false (none), "known-tokens" (loan and collateral both deployment
       * tokens) or a list of market ids. Default: "known-tokens" when `markets` is empty, else false.
       */
      discover: z.union([z.literal(false), z.literal("known-tokens"), z.array(zBytes32)]).optional(),
    })
    .passthrough(),
);
export type MorphoSection = z.output<typeof morphoSectionSchema>;

declare module "../../chain/deployment.js" {
  interface DeploymentSections {
    morpho?: MorphoSection;
  }
}
