import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_EXIT_CODE, ConfigError, configSecrets, describeConfig, loadConfig } from "../../../src/config/index.js";
import { KeeperError } from "../../../src/errors.js";
import { configError, load, TempDirs, TEST_KEY } from "./helpers.js";

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** Every printable form of an error: message, stack, util.inspect and JSON. */
function everythingPrinted(err: ConfigError): string {
  return [err.message, err.stack, inspect(err, { depth: 10 }), JSON.stringify(err), JSON.stringify(err.issues)].join("\n");
}

describe("ConfigError", () => {
  it("is a KeeperError with exit code 2", () => {
    const err = configError(() => load({ LOG_LEVEL: "loud" }));
    expect(err).toBeInstanceOf(KeeperError);
    expect(err.name).toBe("ConfigError");
    expect(CONFIG_EXIT_CODE).toBe(2);
    expect(err.exitCode).toBe(CONFIG_EXIT_CODE);
    expect(err.shortMessage).toBe("Invalid configuration: 1 problem.");
  });

  it("reports every bad setting at once, each with where it came from", () => {
    const envFile = temp.envFile("WATCH=aave-v3,compound\nRPC_URL=http://127.0.0.1:8545\n");
    const err = configError(() =>
      loadConfig({ argv: ["--log-level", "loud", "--dry-run"], env: { MIN_PROFIT_USD: "abc", START_BLOCK: "latest" }, envFile }),
    );
    expect(err.shortMessage).toBe("Invalid configuration: 4 problems.");
    expect(err.issues.map((i) => i.setting)).toEqual(["WATCH", "MIN_PROFIT_USD", "START_BLOCK", "LOG_LEVEL"]);
    expect(err.metaMessages).toEqual(
      expect.arrayContaining([
        `WATCH="aave-v3,compound": expected a comma-separated list of aave-v3, morpho-blue, uniswap-v2, uniswap-v3 (unknown: compound) (from .env file ${envFile})`,
        'MIN_PROFIT_USD="abc": expected a decimal number of US dollars, e.g. 5 or 0.25 (from environment)',
        'START_BLOCK="latest": expected a non-negative block number or "earliest" (0 means the deployment\'s startBlock) (from environment)',
        'LOG_LEVEL="loud": expected one of trace, debug, info, warn, error (from flag --log-level)',
      ]),
    );
    for (const line of err.metaMessages.filter(Boolean).slice(0, 4)) expect(err.message).toContain(line);
  });

  it("reports format errors and missing required settings together", () => {
    const err = configError(() => load({ RPC_URL: "", DRY_RUN: "false", MULTICALL_BATCH: "lots" }));
    expect(err.issues.map((i) => i.setting)).toEqual(["MULTICALL_BATCH", "RPC_URL", "EXECUTOR_ADDRESS", "PRIVATE_KEY"]);
  });
});

describe("secrets in errors", () => {
  it("never prints a valid private key, even when other settings fail", () => {
    const envFile = temp.envFile(`PRIVATE_KEY=${TEST_KEY}\nRPC_URL=http://127.0.0.1:8545\n`);
    const err = configError(() => loadConfig({ argv: ["--multicall-batch", "0"], env: {}, envFile }));
    const printed = everythingPrinted(err).toLowerCase();
    expect(printed).not.toContain(TEST_KEY.slice(2));
  });

  it("never prints a malformed private key from a flag", () => {
    const almostKey = `0x${"3e".repeat(31)}`;
    const err = configError(() => load({}, ["--private-key", almostKey]));
    expect(err.issues[0]).toMatchObject({ setting: "PRIVATE_KEY", value: "<redacted>" });
    expect(everythingPrinted(err)).not.toContain(almostKey.slice(2));
  });

  it("hides a private key pasted into another setting", () => {
    const err = configError(() => load({ EXECUTOR_ADDRESS: TEST_KEY.slice(2) }));
    expect(err.message).toContain('EXECUTOR_ADDRESS="<redacted>"');
    expect(everythingPrinted(err)).not.toContain(TEST_KEY.slice(2));
  });

  it("never prints the keystore password, wherever it appears", () => {
    const password = "correct horse battery staple";
    const err = configError(() => load({ KEYSTORE_PASSWORD: password, LOG_LEVEL: password }));
    expect(err.issues.map((i) => [i.setting, i.value])).toEqual([
      ["LOG_LEVEL", "<redacted>"],
      ["KEYSTORE_PATH", undefined],
    ]);
    expect(everythingPrinted(err)).not.toContain(password);
  });

  it("does not echo the value of a misspelt flag, which may be a secret", () => {
    const err = configError(() => load({}, ["--keystore-pasword=hunter2hunter2"]));
    expect(err.message).toContain("--keystore-pasword: unknown flag, expected a known flag: did you mean --keystore-password?");
    expect(everythingPrinted(err)).not.toContain("hunter2hunter2");
  });

  it("shows an RPC URL with its scheme and host only", () => {
    const err = configError(() => load({ RPC_URL: "ftp://user:s3cret@rpc.example.com/v2/APIKEY123" }));
    expect(err.message).toContain('RPC_URL="ftp://rpc.example.com/***"');
    expect(everythingPrinted(err)).not.toMatch(/APIKEY123|s3cret/);
  });
});

describe("describeConfig", () => {
  const config = load(
    {
      RPC_URL: "https://eth-mainnet.example.com/v2/APIKEY123",
      PRIVATE_KEY: TEST_KEY,
      MIN_PROFIT_USD: "0.25",
      MAX_GAS_PRICE_GWEI: "12.5",
      START_BLOCK: "earliest",
      WATCH: "uniswap-v2,aave-v3",
    },
    ["--dry-run", "--executor-address", "0xd8da6bf26964af9d7eed9e03e53415d37aa96045"],
  );

  it("prints every setting as it would be written in .env", () => {
    expect(describeConfig(config)).toEqual({
      RPC_URL: "https://eth-mainnet.example.com/***",
      PRIVATE_KEY: "<redacted>",
      KEYSTORE_PATH: "(not set)",
      KEYSTORE_PASSWORD: "(not set)",
      EXECUTOR_ADDRESS: "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
      DEPLOYMENT_FILE: "world.json",
      WATCH: "aave-v3,uniswap-v2",
      MIN_PROFIT_USD: "0.25",
      REBALANCE_THRESHOLD_BPS: "30",
      REBALANCE_TOLERANCE_BPS: "1",
      DRY_RUN: "true",
      START_BLOCK: "earliest",
      LOG_CHUNK_BLOCKS: "2000",
      MULTICALL_BATCH: "300",
      POLL_INTERVAL_MS: "1000",
      MAX_GAS_PRICE_GWEI: "12.5",
      PRIORITY_FEE_GWEI: "1",
      DATA_DIR: "./data",
      REPORT_FILE: "(not set)",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
    });
  });

  it("keeps the key and the RPC API key out of every printed form of the config", () => {
    for (const printed of [JSON.stringify(describeConfig(config)), JSON.stringify(config), inspect(config, { depth: 10 }), String(Object.values(describeConfig(config)))]) {
      expect(printed.toLowerCase()).not.toContain(TEST_KEY.slice(2));
      expect(printed).not.toContain("APIKEY123");
    }
    // The key is still there for the code that signs.
    expect(config.privateKey).toBe(TEST_KEY);
  });

  it("lists the secrets a logger must hide", () => {
    expect(configSecrets(config)).toEqual([TEST_KEY, "/v2/APIKEY123"]);
    const withKeystore = load({ RPC_URL: "https://u:p4ss@rpc.example.com/rpc", KEYSTORE_PATH: "k.json", KEYSTORE_PASSWORD: "pw pw pw" });
    expect(configSecrets(withKeystore)).toEqual(["pw pw pw", "p4ss"]);
    const keyAsUser = load({ RPC_URL: "wss://0123456789abcdef@rpc.example.com" });
    expect(configSecrets(keyAsUser)).toEqual(["0123456789abcdef"]);
  });
});
