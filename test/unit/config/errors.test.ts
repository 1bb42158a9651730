import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  CONFIG_EXIT_CODE,
  ConfigError,
  configSecrets,
  describeConfig,
  loadConfig,
  SETTING_NAMES,
} from "../../../src/config/index.js";
import { KeeperError } from "../../../src/errors.js";
import { configError, load, TempDirs, TEST_KEY } from "./helpers.js";

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** Every printable form of an error: message, stack, util.inspect and JSON. */
function everythingPrinted(err: ConfigError): string {
  return [err.message, err.stack, inspect(err, { depth: 10 }), JSON.stringify(err), JSON.stringify(err.issues)].join(
    "\n",
  );
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
      loadConfig({
        argv: ["--log-level", "loud", "--dry-run"],
        env: { MIN_PROFIT_USD: "abc", START_BLOCK: "latest" },
        envFile,
      }),
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

  it("refuses a private key given as a flag (ps, shell history), without printing it", () => {
    const almostKey = `0x${"3e".repeat(31)}`;
    const err = configError(() => load({}, ["--private-key", almostKey]));
    expect(err.issues[0]).toMatchObject({ setting: "PRIVATE_KEY", value: undefined });
    expect(err.message).toContain(
      "--private-key: secrets are not accepted as flags (visible in ps and shell history); set PRIVATE_KEY in the environment or the .env file, or use a keystore",
    );
    expect(everythingPrinted(err)).not.toContain(almostKey.slice(2));
    expect(err.exitCode).toBe(2);
  });

  it.each([
    ["--relay-auth-key", "RELAY_AUTH_KEY", TEST_KEY],
    ["--keystore-password", "KEYSTORE_PASSWORD", "hunter2hunter2"],
    ["--ops-token", "OPS_TOKEN", "tok-0123456789abcdef"],
    ["--private-key", "PRIVATE_KEY", TEST_KEY],
  ])("refuses the secret flag %s, valid or not, naming the variable to set instead", (flag, setting, value) => {
    for (const argv of [[flag, value], [`${flag}=${value}`]]) {
      const err = configError(() => load({}, argv));
      expect(err.issues.map((i) => i.setting)).toContain(setting);
      expect(err.message).toContain(`${flag}: secrets are not accepted as flags`);
      expect(err.message).toContain(`set ${setting} in the environment or the .env file`);
      expect(everythingPrinted(err)).not.toContain(value.replace(/^0x/, ""));
    }
  });

  it("hides a private key pasted into another setting", () => {
    const err = configError(() => load({ EXECUTOR_ADDRESS: TEST_KEY.slice(2) }));
    expect(err.message).toContain('EXECUTOR_ADDRESS="<redacted>"');
    expect(everythingPrinted(err)).not.toContain(TEST_KEY.slice(2));
  });

  it("hides a private key even where an expectation quotes the value", () => {
    const err = configError(() => load({ WATCH: `aave-v3,${TEST_KEY}` }));
    expect(err.message).toContain(
      'WATCH="<redacted>": expected a comma-separated list of aave-v3, morpho-blue, uniswap-v2, uniswap-v3 (unknown: <redacted>)',
    );
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

  it("does not echo the value of a misspelt flag, which may be a secret, and points at the variable", () => {
    const err = configError(() => load({}, ["--keystore-pasword=hunter2hunter2"]));
    expect(err.message).toContain(
      "--keystore-pasword: unknown flag, expected no flag for a secret: did you mean KEYSTORE_PASSWORD? Set it in the environment or the .env file",
    );
    expect(everythingPrinted(err)).not.toContain("hunter2hunter2");
  });

  it("shows an RPC URL with its scheme and host only", () => {
    const err = configError(() => load({ RPC_URL: "ftp://user:s3cret@rpc.example.com/v2/APIKEY123" }));
    expect(err.message).toContain('RPC_URL="ftp://rpc.example.com/***"');
    expect(everythingPrinted(err)).not.toMatch(/APIKEY123|s3cret/);
  });

  it("shows a fork URL with its scheme and host only", () => {
    const err = configError(() => load({ FORK_URL: "wss://user:s3cret@eth.example.com/v2/APIKEY123" }));
    expect(err.message).toContain('FORK_URL="wss://eth.example.com/***": expected an http(s) URL');
    expect(everythingPrinted(err)).not.toMatch(/APIKEY123|s3cret/);
  });

  it("never prints the relay key nor the ops token, wherever they appear", () => {
    const token = "tok-0123456789abcdef";
    const relayKey = `0x${"7a".repeat(31)}02`;
    const err = configError(() =>
      load({ OPS_TOKEN: token, LOG_LEVEL: token, RELAY_AUTH_KEY: relayKey, WATCH: relayKey }),
    );
    expect(err.issues.map((i) => [i.setting, i.value])).toEqual([
      ["WATCH", "<redacted>"],
      ["LOG_LEVEL", "<redacted>"],
      ["RELAY_AUTH_KEY", "<redacted>"],
    ]);
    const printed = everythingPrinted(err);
    expect(printed).not.toContain(token);
    expect(printed).not.toContain(relayKey.slice(2));
  });
});

describe("describeConfig", () => {
  const RELAY_KEY = `0x${"7a".repeat(31)}02`;
  const OPS_TOKEN = "s3cret-ops-token-0123";
  const config = load(
    {
      RPC_URL: "https://eth-mainnet.example.com/v2/APIKEY123",
      PRIVATE_KEY: TEST_KEY,
      FORK_URL: "https://fork.example.com/v2/FORKKEY456",
      FORK_BLOCK: "19000000",
      RELAY_URL: "https://relay.example.com/?auth=RELAYKEY789",
      RELAY_AUTH_KEY: RELAY_KEY,
      OPS_TOKEN: OPS_TOKEN,
      OPS_PORT: "off",
      KILL_SIGNAL: "none",
      MAX_TRADE_USD: "25000.5",
      DAILY_GAS_CAP_ETH: "0.125",
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
      RPC_URLS: "(not set)",
      FORK_URL: "https://fork.example.com/***",
      FORK_BLOCK: "19000000",
      PRIVATE_KEY: "<redacted>",
      KEYSTORE_PATH: "(not set)",
      KEYSTORE_PASSWORD: "(not set)",
      EXECUTOR_ADDRESS: "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
      DEPLOYMENT_FILE: "world.json",
      CHAIN: "(not set)",
      WATCH: "aave-v3,uniswap-v2",
      MORPHO_MARKETS: "(not set)",
      MIN_PROFIT_USD: "0.25",
      MAX_TRADE_USD: "25000.5",
      ORDER_FLOW_WINDOW_BLOCKS: "20",
      ORDER_FLOW_MAX_AGAINST_USD: "0",
      DISCOVERY_CONCURRENCY: "4",
      DISCOVERY_RANGE_BLOCKS: "10000",
      FEED_MAX_AGE_S: "90000",
      MAX_FEED_TWAP_DEVIATION_BPS: "2500",
      REBALANCE_THRESHOLD_BPS: "30",
      REBALANCE_TOLERANCE_BPS: "1",
      PLANNER: "sequence",
      MAX_TX_GAS_SHARE_BPS: "5000",
      DRY_RUN: "true",
      START_BLOCK: "earliest",
      LOG_CHUNK_BLOCKS: "2000",
      MULTICALL_BATCH: "300",
      POLL_INTERVAL_MS: "1000",
      STARTUP_RETRY_S: "60",
      MAX_GAS_PRICE_GWEI: "12.5",
      PRIORITY_FEE_GWEI: "1",
      STUCK_BLOCKS: "3",
      CONFIRMATIONS: "5",
      RELAY_URL: "https://relay.example.com/***",
      RELAY_AUTH_KEY: "<redacted>",
      DATA_DIR: "./data",
      DECISION_LOG_RETENTION_BLOCKS: "100000",
      REPORT_FILE: "(not set)",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      KILL_FILE: "data/KILL",
      KILL_SIGNAL: "none",
      BREAKER_FAILURES: "3",
      BREAKER_COOLOFF_MS: "300000",
      DAILY_GAS_CAP_ETH: "0.125",
      DAILY_SEND_CAP: "100",
      OPS_PORT: "off",
      OPS_HOST: "127.0.0.1",
      OPS_TOKEN: "<redacted>",
      HEALTH_MAX_HEAD_AGE_S: "120",
      DASHBOARD_BLOCKS: "300",
    });
    expect(Object.keys(describeConfig(config))).toEqual([...SETTING_NAMES]);
  });

  it("keeps the keys, the token and the URLs' API keys out of every printed form of the config", () => {
    for (const printed of [
      JSON.stringify(describeConfig(config)),
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(Object.values(describeConfig(config))),
    ]) {
      expect(printed.toLowerCase()).not.toContain(TEST_KEY.slice(2));
      expect(printed.toLowerCase()).not.toContain(RELAY_KEY.slice(2));
      expect(printed).not.toMatch(/APIKEY123|FORKKEY456|RELAYKEY789/);
      expect(printed).not.toContain(OPS_TOKEN);
    }
    // The secrets are still there for the code that uses them.
    expect(config.privateKey).toBe(TEST_KEY);
    expect(config.relayAuthKey).toBe(RELAY_KEY);
    expect(config.opsToken).toBe(OPS_TOKEN);
  });

  it("lists the secrets a logger must hide", () => {
    expect(configSecrets(config)).toEqual([
      TEST_KEY,
      RELAY_KEY,
      OPS_TOKEN,
      "/v2/APIKEY123",
      "/v2/FORKKEY456",
      "/?auth=RELAYKEY789",
    ]);
    const withKeystore = load({
      RPC_URL: "https://u:p4ss@rpc.example.com/rpc",
      KEYSTORE_PATH: "k.json",
      KEYSTORE_PASSWORD: "pw pw pw",
    });
    expect(configSecrets(withKeystore)).toEqual(["pw pw pw", "p4ss"]);
    const keyAsUser = load({ RPC_URL: "https://0123456789abcdef@rpc.example.com" });
    expect(configSecrets(keyAsUser)).toEqual(["0123456789abcdef"]);
  });
});
