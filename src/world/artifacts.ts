import type { Address, Hex } from "viem";
import type { Artifact } from "../chain/artifacts.js";
import { KeeperError } from "../errors.js";

/**
 * Fills library placeholders with deployed addresses. Hardhat's own linker only covers artifacts it built,
 * so npm-shipped artifacts (Aave V3) are linked here, at the offsets their `linkReferences` give.
 */
export function linkBytecode(artifact: Artifact, libraries: Record<string, Address>): Hex {
  let code = artifact.bytecode.slice(2);
  for (const [source, libs] of Object.entries(artifact.linkReferences)) {
    for (const [lib, refs] of Object.entries(libs)) {
      const address = libraries[lib];
      if (!address) {
        throw new KeeperError(`Library ${lib} (${source}) is not deployed; ${artifact.contractName} cannot be linked.`);
      }
      const hex = address.slice(2).toLowerCase();
      for (const { start, length } of refs) {
        code = code.slice(0, start * 2) + hex + code.slice((start + length) * 2);
      }
    }
  }
  if (code.includes("__$")) {
    // A placeholder without a linkReferences entry would deploy broken code: refuse loudly.
    throw new KeeperError(`${artifact.contractName} still holds an unlinked library placeholder.`);
  }
  return `0x${code}`;
}
