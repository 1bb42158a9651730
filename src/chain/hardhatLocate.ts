/**
 * Where the keeper finds Hardhat, which only the commands that need a local chain use (`simulate`, `demo`,
 * `world`, `run --fork-url`). An installed keeper does not depend on it: Hardhat is an optional peer dependency,
 * so a plain `keeper run` / `keeper scan` install stays small, and these commands say how to add it.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KeeperError } from "../errors.js";

const require = createRequire(import.meta.url);
/** The keeper's package root: `src/chain/..` in a checkout, `dist/chain/..` once compiled. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Raised when a command needs a local chain and Hardhat is not installed beside the keeper. */
export class HardhatMissingError extends KeeperError {
  override name = "HardhatMissingError";
  constructor(cause: unknown) {
    super("This command runs a local Hardhat chain, and Hardhat is not installed.", {
      cause,
      metaMessages: [
        "Install it next to the keeper: `npm install hardhat@3` (in the folder you installed the keeper into).",
        "`keeper run` and `keeper scan` against an RPC endpoint do not need it.",
      ],
    });
  }
}

/** The directory of the installed `hardhat` package, or a HardhatMissingError. */
export function hardhatPackageDir(): string {
  try {
    return dirname(require.resolve("hardhat/package.json"));
  } catch (cause) {
    throw new HardhatMissingError(cause);
  }
}

/**
 * The Hardhat config the keeper runs its chains with. A source checkout has the full one (compilers, plugins);
 * the published package ships `hardhat.runtime.config.js`, which holds only what a chain needs, because the full
 * one loads the Solidity compilers, which are build-time dependencies.
 */
export function hardhatConfigPath(): string {
  const full = join(packageRoot, "hardhat.config.ts");
  return existsSync(full) ? full : join(packageRoot, "hardhat.runtime.config.js");
}
