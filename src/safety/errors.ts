import { KeeperError } from "../errors.js";

/** A safety component was given options that would make it unsafe or meaningless (a cap of 0, K < 1...). */
export class SafetyConfigError extends KeeperError {
  override name = "SafetyConfigError";
}
