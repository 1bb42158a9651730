import { z } from "zod";
import { zAddress } from "../../chain/deployment.js";

const poolSchema = z.object({
  address: zAddress,
  token0: zAddress,
  token1: zAddress,
  fee: z.number().int().positive(),
  tickSpacing: z.number().int().positive(),
});

/** The `uniswapV3` section of a deployment: the factory and the pools to watch, by name. */
export const uniswapV3SectionSchema = z
  .object({ factory: zAddress.optional(), pools: z.record(z.string(), poolSchema) })
  .passthrough();
export type UniswapV3Section = z.output<typeof uniswapV3SectionSchema>;

declare module "../../chain/deployment.js" {
  interface DeploymentSections {
    uniswapV3?: UniswapV3Section;
  }
}
