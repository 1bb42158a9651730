import { z } from "zod";
import { zAddress } from "../../chain/deployment.js";

const pairSchema = z.object({ address: zAddress, token0: zAddress, token1: zAddress });

/** The `uniswapV2` section of a deployment: the factory and the pairs to watch, by name. */
export const uniswapV2SectionSchema = z
  .object({ factory: zAddress.optional(), pairs: z.record(z.string(), pairSchema) })
  .passthrough();
export type UniswapV2Section = z.output<typeof uniswapV2SectionSchema>;

declare module "../../chain/deployment.js" {
  interface DeploymentSections {
    uniswapV2?: UniswapV2Section;
  }
}
