import { z } from "zod";
import { zAddress } from "../../chain/deployment.js";

/** The `aave` section of a deployment: an Aave V3 market. */
export const aaveSectionSchema = z
  .object({
    pool: zAddress,
    /** AaveOracle: the prices the pool liquidates at. */
    oracle: zAddress,
    addressesProvider: zAddress.optional(),
    dataProvider: zAddress.optional(),
    aclManager: zAddress.optional(),
    configurator: zAddress.optional(),
  })
  .passthrough();
export type AaveSection = z.output<typeof aaveSectionSchema>;

declare module "../../chain/deployment.js" {
  interface DeploymentSections {
    aave?: AaveSection;
  }
}
