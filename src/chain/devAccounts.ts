/**
 * Hardhat's published development accounts: funded on the in-process chain and on local forks, never on a real
 * chain. Signing with them locally (rather than letting the node sign) is what lets the demo and the fork
 * rehearsals use the production send path, which journals the raw signed bytes before broadcasting them.
 */
import type { LocalAccount } from "viem";
import { mnemonicToAccount } from "viem/accounts";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Development account #`index` as a local signer (the same address the node lists at that index). */
export function devAccount(index: number): LocalAccount {
  return mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
}
