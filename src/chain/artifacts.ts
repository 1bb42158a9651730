/**
 * Compiled contract artifacts: ours (built by Hardhat into artifacts/) and those shipped inside npm packages.
 * The executor needs its own ABI and bytecode at runtime, so this sits with chain access, below the executor;
 * the world fixture loads protocol bytecode through it too.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Abi, type Hex } from "viem";
import { KeeperError } from "../errors.js";

/** A contract's ABI and creation bytecode, ready for viem's deployContract. */
export interface Artifact {
  contractName: string;
  abi: Abi;
  bytecode: Hex;
  /** Unlinked library placeholders: "<source path>" -> "<LibraryName>" -> byte offsets. */
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
}

const require = createRequire(import.meta.url);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Raised when a compiled artifact is missing: the fix is to build the contracts. */
export class ArtifactNotFoundError extends KeeperError {
  override name = "ArtifactNotFoundError";
  constructor(what: string, cause: unknown) {
    super(`Compiled artifact for ${what} not found.`, {
      cause,
      metaMessages: ["Run `npx hardhat build` (npm test and npm start do it for you) and try again."],
    });
  }
}

function readJson(path: string, what: string): any {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ArtifactNotFoundError(what, cause);
  }
}

function fromHardhat(json: any): Artifact {
  return {
    contractName: json.contractName,
    abi: json.abi,
    bytecode: json.bytecode as Hex,
    linkReferences: json.linkReferences ?? {},
  };
}

/** A contract of ours compiled by Hardhat: `contracts/<file>.sol:<name>`. */
export function loadOwnArtifact(sourcePath: string, name: string): Artifact {
  return fromHardhat(readJson(join(repoRoot, "artifacts", sourcePath, `${name}.json`), `${sourcePath}:${name}`));
}

/** A contract shipped compiled inside an npm package, in Hardhat's artifact format. */
export function loadPackageArtifact(packagePath: string): Artifact {
  return fromHardhat(readJson(require.resolve(packagePath), packagePath));
}

/** A Uniswap V2 core contract from `@uniswap/v2-core/build` (solc 0.5.16, as deployed on mainnet). */
export function loadUniswapV2Artifact(name: "UniswapV2Factory" | "UniswapV2Pair"): Artifact {
  const json = readJson(require.resolve(`@uniswap/v2-core/build/${name}.json`), name);
  const bytecode: string = json.bytecode ?? json.evm.bytecode.object;
  return {
    contractName: name,
    abi: json.abi,
    bytecode: (bytecode.startsWith("0x") ? bytecode : `0x${bytecode}`) as Hex,
    linkReferences: {},
  };
}
