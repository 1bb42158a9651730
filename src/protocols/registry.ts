/**
 * Every protocol the keeper knows, in one list: the watcher, the strategy, the keeper and the metrics loop over
 * it. Adding a protocol is a folder under src/protocols/ and one line here.
 */
import type { ExecutorAction } from "../executor/actions.js";
import { aaveV3Module } from "./aaveV3/index.js";
import type { ActionHandler, ProtocolModule } from "./module.js";
import { morphoBlueModule } from "./morphoBlue/index.js";
import { uniswapV2Module } from "./uniswapV2/index.js";
import { uniswapV3Module } from "./uniswapV3/index.js";

export const PROTOCOLS: readonly ProtocolModule<any>[] = [
  aaveV3Module,
  morphoBlueModule,
  uniswapV2Module,
  uniswapV3Module,
];

/** Protocol names (WATCH values, metric labels). */
export const PROTOCOL_NAMES: readonly string[] = PROTOCOLS.map((p) => p.name);

/** The deployment section schemas, by section key, for loadDeployment/parseDeployment. */
export const DEPLOYMENT_SECTIONS = Object.fromEntries(PROTOCOLS.map((p) => [p.section, p.schema]));

/** The module and handler owning an executor action kind; undefined for a kind no module registered. */
export function actionHandler(
  action: ExecutorAction,
  protocols: readonly ProtocolModule<any>[] = PROTOCOLS,
): { module: ProtocolModule<any>; handler: ActionHandler } | undefined {
  for (const module of protocols) {
    const handler = module.actions[action.kind];
    if (handler) return { module, handler };
  }
  return undefined;
}

/** Addresses whose state an action changes (lowercase): the pools it trades on or borrows from. */
export function touchedBy(action: ExecutorAction, protocols: readonly ProtocolModule<any>[] = PROTOCOLS): string[] {
  return (actionHandler(action, protocols)?.handler.touched(action) ?? []).map((a) => a.toLowerCase());
}
