/**
 * KeeperExecutor's ABI, read from the compiled Hardhat artifact rather than copied by hand, so the TypeScript
 * side can never drift from the contract it calls: a stale ABI would encode calls the contract rejects and
 * miss the custom errors the keeper decides on.
 */
import type { Abi, AbiEvent } from "viem";
import { KeeperError } from "../errors.js";
import { loadOwnArtifact, type Artifact } from "../chain/artifacts.js";

/** Source path and contract name of the executor, as Hardhat compiles it. */
export const KEEPER_EXECUTOR_SOURCE = "contracts/KeeperExecutor.sol";
export const KEEPER_EXECUTOR_NAME = "KeeperExecutor";

/**
 * The executor's entry points that run an action; each takes one params struct (a batch: an array of them) and
 * returns the profit (a batch: the total).
 */
export const EXECUTOR_ACTION_FUNCTIONS = [
  "liquidateAaveV2Flash",
  "liquidateAaveV2FlashBatch",
  "liquidateAaveMorphoFlash",
  "liquidateMorpho",
  "rebalanceV2",
  "rebalanceV3",
  "liquidateMorphoRouted",
  "liquidateMorphoBatch",
  "liquidateAaveRouted",
  "liquidateAaveRoutedBatch",
] as const;

/**
 * The events an action emits once it has paid the owner, one per liquidation or rebalance. A batch has no event of
 * its own: liquidateAaveV2FlashBatch emits one AaveLiquidatedWithV2Flash per item, liquidateMorphoBatch one
 * MorphoLiquidatedRouted per item (as liquidateMorphoRouted does), liquidateAaveRoutedBatch one AaveLiquidatedRouted
 * per item (as liquidateAaveRouted does).
 */
export const EXECUTOR_ACTION_EVENTS = [
  "AaveLiquidatedWithV2Flash",
  "AaveLiquidatedWithMorphoFlash",
  "MorphoLiquidated",
  "V2Rebalanced",
  "V3Rebalanced",
  "MorphoLiquidatedRouted",
  "AaveLiquidatedRouted",
] as const;

/** The executor's custom errors, by name. */
export const EXECUTOR_ERRORS = [
  "NotAuthorized",
  "Reentrancy",
  "ZeroOwner",
  "UnexpectedCallback",
  "UnexpectedSender",
  "CallbackNotReceived",
  "InsufficientProfit",
  "BalanceDecreased",
  "PriceOutOfTolerance",
  "TokenNotInPool",
  "PoolTokensMismatch",
  "UnsupportedFunding",
  "AmountTooLarge",
  "TokenCallFailed",
  "EmptyBatch",
  "RouteOutputTooLow",
  "InvalidRoute",
  "PartialFill",
  "UntrustedPool",
  "ProtocolUnavailable",
  "InventoryCapExceeded",
] as const;

/** The executor's owner-side functions the TypeScript side calls (deployment, world and demo setup). */
export const EXECUTOR_ADMIN_FUNCTIONS = [
  "setKeeper",
  "owner",
  "keeper",
  "setTrustedPool",
  "setInventoryCap",
  "revoke",
  "aavePool",
  "morpho",
  "uniswapV2Factory",
  "uniswapV3Factory",
] as const;

export type ExecutorActionFunction = (typeof EXECUTOR_ACTION_FUNCTIONS)[number];
export type ExecutorActionEventName = (typeof EXECUTOR_ACTION_EVENTS)[number];
export type ExecutorErrorName = (typeof EXECUTOR_ERRORS)[number];

/** The artifact does not have the shape this code was written against: the contract changed, rebuild or update. */
export class ExecutorAbiMismatchError extends KeeperError {
  override name = "ExecutorAbiMismatchError";
  constructor(missing: string[]) {
    super(`The compiled KeeperExecutor artifact lacks ${missing.join(", ")}.`, {
      metaMessages: [
        "The artifact is stale or the contract changed under this code.",
        "Run `npx hardhat build`; if it persists, update src/executor to the contract.",
      ],
    });
  }
}

let cached: Artifact | undefined;

/**
 * The compiled KeeperExecutor (ABI and creation bytecode), loaded once. Throws ArtifactNotFoundError when the
 * contracts are not built, and ExecutorAbiMismatchError when the artifact lacks an entry point, event or error
 * this module relies on (checked once here so every later encode/decode can trust the names).
 */
export function keeperExecutorArtifact(): Artifact {
  if (cached) return cached;
  const artifact = loadOwnArtifact(KEEPER_EXECUTOR_SOURCE, KEEPER_EXECUTOR_NAME);
  const has = (type: string, name: string) =>
    artifact.abi.some((item) => item.type === type && "name" in item && item.name === name);
  const missing = [
    ...EXECUTOR_ACTION_FUNCTIONS.filter((n) => !has("function", n)).map((n) => `function ${n}`),
    ...EXECUTOR_ADMIN_FUNCTIONS.filter((n) => !has("function", n)).map((n) => `function ${n}`),
    ...EXECUTOR_ACTION_EVENTS.filter((n) => !has("event", n)).map((n) => `event ${n}`),
    ...EXECUTOR_ERRORS.filter((n) => !has("error", n)).map((n) => `error ${n}`),
  ];
  if (missing.length) throw new ExecutorAbiMismatchError(missing);
  cached = artifact;
  return artifact;
}

/**
 * The KeeperExecutor ABI (functions, events, custom errors), for encodeFunctionData, decodeErrorResult and
 * parseEventLogs. Typed as viem's `Abi` because it is read at run time; the wrappers in this folder give their
 * results explicit types.
 */
export function keeperExecutorAbi(): Abi {
  return keeperExecutorArtifact().abi;
}

/** The ABI's events only: what parseEventLogs needs to decode a receipt's executor logs. */
export function keeperExecutorEvents(): AbiEvent[] {
  return keeperExecutorAbi().filter((item): item is AbiEvent => item.type === "event");
}
