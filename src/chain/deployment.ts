import { readFileSync } from "node:fs";
import { KeeperError } from "../errors.js";
import { worldFromJson } from "../world/json.js";
import type { World } from "../world/types.js";

/**
 * The protocol addresses the keeper works with. It has the shape of the world file `npm run world` writes;
 * for another chain, write the same JSON with that chain's addresses (unused sections may be left out).
 */
export type Deployment = World;

/** Loads and sanity-checks a deployment file; a missing or malformed file says what to do. */
export function loadDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new KeeperError(`Cannot read the deployment file ${path}.`, {
      cause,
      metaMessages: ["Set DEPLOYMENT_FILE (or --deployment-file) to the JSON written by `npm run world`."],
    });
  }
  let d: Deployment;
  try {
    d = worldFromJson(text);
  } catch (cause) {
    throw new KeeperError(`The deployment file ${path} is not valid JSON of a deployment.`, { cause });
  }
  for (const key of ["tokens", "feeds", "multicall3"] as const) {
    if (!d[key]) throw new KeeperError(`The deployment file ${path} has no "${key}" section.`);
  }
  return d;
}
