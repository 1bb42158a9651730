/** The KeeperExecutor's TypeScript side: actions as data, simulation, guarded execution, errors, fees, deployment. */
export * from "./abi.js";
export * from "./actions.js";
export * from "./deploy.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./fees.js";
export * from "./outcome.js";
export * from "./routes.js";
export * from "./simulate.js";
