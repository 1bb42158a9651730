/**
 * The Flashbots request signature: `X-Flashbots-Signature: <address>:<signature>`, where the signature is an
 * EIP-191 personal_sign, by the auth key, of the hex keccak256 of the exact body string (the 66-character hex
 * text is what gets signed, not its 32 bytes). The relay uses the address for reputation only; it pays nothing
 * and holds no funds, which is why it must be a different key from the one that signs the transactions.
 */
import { ethers } from "ethers";
import type { Address, Hex } from "viem";

/** Name of the header carrying the signature. */
export const FLASHBOTS_SIGNATURE_HEADER = "X-Flashbots-Signature";

/** Signs `body` (the exact string to be POSTed) and returns the header value `<address>:<signature>`. */
export async function flashbotsSignature(authSigner: ethers.BaseWallet, body: string): Promise<string> {
  const signature = await authSigner.signMessage(ethers.id(body));
  return `${authSigner.address}:${signature}`;
}

/**
 * Checks a header value against `body`. Returns the signer's address when the signature recovers to the address
 * the header claims, `undefined` for anything else (missing, malformed, wrong body, wrong address).
 */
export function verifyFlashbotsSignature(header: string | undefined, body: string): Address | undefined {
  if (!header) return undefined;
  const sep = header.indexOf(":");
  if (sep < 0) return undefined;
  const claimed = header.slice(0, sep);
  const signature = header.slice(sep + 1) as Hex;
  if (!ethers.isAddress(claimed)) return undefined;
  try {
    const recovered = ethers.verifyMessage(ethers.id(body), signature);
    return recovered.toLowerCase() === claimed.toLowerCase() ? (ethers.getAddress(claimed) as Address) : undefined;
  } catch {
    return undefined; // not a signature at all
  }
}
