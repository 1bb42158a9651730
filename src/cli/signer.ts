import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";
import type { KeeperConfig } from "../config/index.js";
import { KeeperError } from "../errors.js";

/**
 * The keeper's signing account: a PRIVATE_KEY from the environment, or a standard encrypted JSON keystore
 * (geth/ethers format) decrypted with ethers, the ecosystem's reference implementation. Neither the key nor
 * the password ever reaches an error message.
 */
export async function loadSigner(config: KeeperConfig): Promise<PrivateKeyAccount | undefined> {
  return (await loadSignerWithSecret(config)).account;
}

/**
 * {@link loadSigner}, plus the private key the keystore decrypted to: it is a secret the configuration never held,
 * so the caller must add it to what its logger and reports redact.
 */
export async function loadSignerWithSecret(
  config: KeeperConfig,
): Promise<{ account: PrivateKeyAccount | undefined; secret: Hex | undefined }> {
  if (config.privateKey) return { account: privateKeyToAccount(config.privateKey), secret: config.privateKey };
  if (!config.keystore) return { account: undefined, secret: undefined };
  let json: string;
  try {
    json = readFileSync(config.keystore.path, "utf8");
  } catch (cause) {
    throw new KeeperError(`Cannot read the keystore file ${config.keystore.path}.`, {
      details: (cause as NodeJS.ErrnoException).code ?? "read error",
      metaMessages: ["Set KEYSTORE_PATH to an encrypted JSON keystore file."],
    });
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(json, config.keystore.password);
    const secret = wallet.privateKey as Hex;
    return { account: privateKeyToAccount(secret), secret };
  } catch {
    // The cause may quote parts of the file; keep it out of the message.
    throw new KeeperError(`Cannot decrypt the keystore ${config.keystore.path}.`, {
      metaMessages: ["Check KEYSTORE_PASSWORD, and that the file is a standard encrypted JSON keystore."],
      details: "wrong password or malformed keystore",
    });
  }
}
