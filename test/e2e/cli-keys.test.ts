import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, encryptKeystoreJson } from "ethers";
import { describe, expect, it } from "vitest";
import { loadSigner } from "../../src/cli/signer.js";
import { loadConfig } from "../../src/config/index.js";
import { DEV_ADDRESS_1, DEV_KEY_1, spawnCli } from "../helpers/node.js";

describe("keys", () => {
  it("decrypts a standard encrypted JSON keystore with ethers into the keeper's signer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keystore-"));
    const path = join(dir, "keystore.json");
    // Light scrypt parameters keep the test fast; the format is the standard one (geth/ethers).
    const wallet = new Wallet(DEV_KEY_1);
    writeFileSync(
      path,
      await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "correct horse", {
        scrypt: { N: 1024 },
      }),
    );
    const config = loadConfig({
      argv: ["--dry-run"],
      env: { KEYSTORE_PATH: path, KEYSTORE_PASSWORD: "correct horse" },
      envFile: join(dir, "none.env"),
      command: "scan",
    });
    const account = await loadSigner(config);
    expect(account?.address).toBe(DEV_ADDRESS_1);

    const wrong = loadConfig({
      argv: [],
      env: { KEYSTORE_PATH: path, KEYSTORE_PASSWORD: "wrong horse!" },
      envFile: join(dir, "none.env"),
      command: "scan",
    });
    const err = await loadSigner(wrong).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Cannot decrypt the keystore/);
    expect((err as Error).message).not.toContain("wrong horse");
  });

  it("never prints the key a keystore decrypts to: it joins the secrets the logger redacts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keystore-"));
    const path = join(dir, "keystore.json");
    const wallet = new Wallet(DEV_KEY_1);
    writeFileSync(
      path,
      await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "correct horse", {
        scrypt: { N: 1024 },
      }),
    );
    const keyHex = DEV_KEY_1.slice(2);
    // The configuration never held this key, so only the signer can tell the logger about it. A data directory
    // named after it is logged at start (DATA_DIR) and is where a careless log line would show it.
    const run = spawnCli(["run", "--dry-run", "--rpc", "http://127.0.0.1:1", "--data-dir", join(dir, keyHex)], {
      KEYSTORE_PATH: path,
      KEYSTORE_PASSWORD: "correct horse",
      STARTUP_RETRY_S: "1",
    });
    expect(await run.exited).toBe(2);
    const { stdout, stderr } = run.output();
    expect(stdout).toContain('"msg":"starting keeper"');
    expect(stdout).toContain("<redacted>");
    expect((stdout + stderr).toLowerCase()).not.toContain(keyHex.toLowerCase());
  }, 60_000);

  it("prints --help for every command and exits 0", async () => {
    for (const cmd of ["run", "scan", "simulate", "world", "demo"]) {
      const r = spawnCli([cmd, "--help"]);
      expect(await r.exited).toBe(0);
      expect(r.output().stdout).toContain(`keeper ${cmd}`);
    }
    const bad = spawnCli(["frobnicate"]);
    expect(await bad.exited).toBe(2);
  }, 120_000);
});
