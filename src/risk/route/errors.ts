import { KeeperError } from "../../errors.js";

/**
 * Raised when a routing or sizing request cannot be answered as asked: a token the venue does not hold, a
 * swap the pool would refuse, a bad option. The message names the input to fix.
 */
export class RouteError extends KeeperError {
  override name = "RouteError";
}
