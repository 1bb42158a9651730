import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS, type KeeperConfig, type SettingName } from "../../../src/config/index.js";
import { configError, load, TEST_KEY } from "./helpers.js";

const GWEI = 10n ** 9n;
const USD = 10n ** 8n;
const ETH = 10n ** 18n;
/** A second valid key, for the relay (never the funds key). */
const RELAY_KEY = `0x${"7a".repeat(31)}02` as const;
const TOKEN = "0123456789abcdef0123";

describe("defaults", () => {
  it("gives every optional setting its documented default", () => {
    const c = load();
    expect(c.command).toBe("run");
    expect(c.args).toEqual([]);
    expect(c.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(c.forkUrl).toBeUndefined();
    expect(c.forkBlock).toBeUndefined();
    expect(c.privateKey).toBeUndefined();
    expect(c.keystore).toBeUndefined();
    expect(c.executorAddress).toBeUndefined();
    expect(c.deploymentFile).toBe("world.json");
    expect(c.watch).toEqual(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]);
    expect(c.minProfitUsd).toBe(1n * USD);
    expect(c.maxTradeUsd).toBe(100_000n * USD);
    expect(c.feedMaxAgeS).toBe(90_000n);
    expect(c.maxFeedTwapDeviationBps).toBe(2_500n);
    expect(c.rebalanceThresholdBps).toBe(30);
    expect(c.rebalanceToleranceBps).toBe(1);
    expect(c.dryRun).toBe(true);
    expect(c.startBlock).toBe(0n);
    expect(c.logChunkBlocks).toBe(2000n);
    expect(c.multicallBatch).toBe(300);
    expect(c.pollIntervalMs).toBe(1000);
    expect(c.maxGasPriceWei).toBe(500n * GWEI);
    expect(c.priorityFeeWei).toBe(1n * GWEI);
    expect(c.stuckBlocks).toBe(3);
    expect(c.confirmations).toBe(5);
    expect(c.relayUrl).toBeUndefined();
    expect(c.relayAuthKey).toBeUndefined();
    expect(c.dataDir).toBe("./data");
    expect(c.reportFile).toBeUndefined();
    expect(c.logLevel).toBe("info");
    expect(c.logFormat).toBe("json");
    expect(c.killFile).toBe(join("data", "KILL"));
    expect(c.killSignal).toBe("SIGUSR2");
    expect(c.breakerFailures).toBe(3);
    expect(c.breakerCooloffMs).toBe(300_000);
    expect(c.dailyGasCapWei).toBe(ETH / 2n);
    expect(c.dailySendCap).toBe(100);
    expect(c.opsPort).toBe(9464);
    expect(c.opsHost).toBe("127.0.0.1");
    expect(c.opsToken).toBeUndefined();
    expect(c.healthMaxHeadAgeS).toBe(120);
    expect(c.sources.MIN_PROFIT_USD).toEqual({ kind: "default" });
    expect(c.sources.REPORT_FILE).toEqual({ kind: "unset" });
    expect(c.sources.RPC_URL).toEqual({ kind: "env" });
    expect(c.sources.KILL_FILE).toEqual({ kind: "default" });
    expect(c.sources.FORK_URL).toEqual({ kind: "unset" });
  });

  it("puts the default KILL_FILE in DATA_DIR, wherever DATA_DIR came from", () => {
    expect(load({ DATA_DIR: "/var/lib/keeper" }).killFile).toBe("/var/lib/keeper/KILL");
    expect(load({ DATA_DIR: "/var/lib/keeper" }, ["--data-dir", "/srv/keeper/"]).killFile).toBe("/srv/keeper/KILL");
    // An explicit KILL_FILE wins; an empty one falls back to the default.
    expect(load({ DATA_DIR: "/srv", KILL_FILE: "/run/keeper.kill" }).killFile).toBe("/run/keeper.kill");
    expect(load({ DATA_DIR: "/srv", KILL_FILE: " " }).killFile).toBe("/srv/KILL");
  });

  it("defaults DRY_RUN to false", () => {
    const c = load({
      DRY_RUN: "",
      EXECUTOR_ADDRESS: "0xd8da6bf26964af9d7eed9e03e53415d37aa96045",
      PRIVATE_KEY: TEST_KEY,
    });
    expect(c.dryRun).toBe(false);
  });

  it("defaults LOG_FORMAT to pretty on a terminal and json otherwise", () => {
    expect(load({}, [], { stdoutIsTTY: true }).logFormat).toBe("pretty");
    expect(load({}, [], { stdoutIsTTY: false }).logFormat).toBe("json");
  });

  it("treats an empty or blank value as unset, so the default applies", () => {
    expect(load({ MIN_PROFIT_USD: "   ", LOG_LEVEL: "" }).minProfitUsd).toBe(1n * USD);
  });
});

/** [setting, text, field, typed value] */
const GOOD: [SettingName, string, keyof KeeperConfig, unknown][] = [
  ["RPC_URL", "https://eth-mainnet.example.com/v2/abc", "rpcUrl", "https://eth-mainnet.example.com/v2/abc"],
  ["PRIVATE_KEY", TEST_KEY.toUpperCase().replace("0X", "0x"), "privateKey", TEST_KEY],
  [
    "EXECUTOR_ADDRESS",
    "0xd8da6bf26964af9d7eed9e03e53415d37aa96045",
    "executorAddress",
    "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
  ],
  [
    "EXECUTOR_ADDRESS",
    "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
    "executorAddress",
    "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
  ],
  ["DEPLOYMENT_FILE", "deployments/mainnet.json", "deploymentFile", "deployments/mainnet.json"],
  ["WATCH", " uniswap-v3, AAVE-V3,aave-v3 ", "watch", ["aave-v3", "uniswap-v3"]],
  ["WATCH", "morpho-blue", "watch", ["morpho-blue"]],
  ["MIN_PROFIT_USD", "5", "minProfitUsd", 5n * USD],
  ["MIN_PROFIT_USD", "0.5", "minProfitUsd", USD / 2n],
  ["MIN_PROFIT_USD", ".25", "minProfitUsd", USD / 4n],
  ["MIN_PROFIT_USD", "1234.56789012", "minProfitUsd", 123_456_789_012n],
  ["MIN_PROFIT_USD", "0", "minProfitUsd", 0n],
  ["REBALANCE_THRESHOLD_BPS", "10000", "rebalanceThresholdBps", 10_000],
  ["REBALANCE_TOLERANCE_BPS", "29", "rebalanceToleranceBps", 29],
  ["DRY_RUN", "yes", "dryRun", true],
  ["DRY_RUN", "1", "dryRun", true],
  ["DRY_RUN", "TRUE", "dryRun", true],
  ["START_BLOCK", "19000000", "startBlock", 19_000_000n],
  ["START_BLOCK", "earliest", "startBlock", "earliest"],
  ["LOG_CHUNK_BLOCKS", "500", "logChunkBlocks", 500n],
  ["MULTICALL_BATCH", "1", "multicallBatch", 1],
  ["POLL_INTERVAL_MS", "250", "pollIntervalMs", 250],
  ["MAX_GAS_PRICE_GWEI", "0.5", "maxGasPriceWei", GWEI / 2n],
  ["MAX_GAS_PRICE_GWEI", "1000", "maxGasPriceWei", 1000n * GWEI],
  ["MAX_GAS_PRICE_GWEI", "10000", "maxGasPriceWei", 10_000n * GWEI],
  ["STARTUP_RETRY_S", "5", "startupRetryMs", 5_000],
  ["PRIORITY_FEE_GWEI", "0", "priorityFeeWei", 0n],
  ["PRIORITY_FEE_GWEI", "0.000000001", "priorityFeeWei", 1n],
  ["FORK_URL", "https://eth-mainnet.example.com/v2/abc", "forkUrl", "https://eth-mainnet.example.com/v2/abc"],
  ["FORK_URL", "http://127.0.0.1:8545", "forkUrl", "http://127.0.0.1:8545"],
  ["MAX_TRADE_USD", "50000", "maxTradeUsd", 50_000n * USD],
  ["MAX_TRADE_USD", "0.01", "maxTradeUsd", USD / 100n],
  ["MAX_TRADE_USD", "0", "maxTradeUsd", 0n],
  ["FEED_MAX_AGE_S", "3600", "feedMaxAgeS", 3_600n],
  ["DISCOVERY_CONCURRENCY", "8", "discoveryConcurrency", 8],
  ["DECISION_LOG_RETENTION_BLOCKS", "5000", "decisionLogRetentionBlocks", 5_000n],
  ["ORDER_FLOW_WINDOW_BLOCKS", "50", "orderFlowWindowBlocks", 50],
  ["ORDER_FLOW_MAX_AGAINST_USD", "250000", "orderFlowMaxAgainstUsd", 250_000n * USD],
  ["DISCOVERY_RANGE_BLOCKS", "2000", "discoveryRangeBlocks", 2_000n],
  ["MAX_FEED_TWAP_DEVIATION_BPS", "0", "maxFeedTwapDeviationBps", 0n],
  ["STUCK_BLOCKS", "1", "stuckBlocks", 1],
  ["STUCK_BLOCKS", "12", "stuckBlocks", 12],
  ["CONFIRMATIONS", "0", "confirmations", 0],
  ["CONFIRMATIONS", "64", "confirmations", 64],
  ["KILL_FILE", "/run/keeper/KILL", "killFile", "/run/keeper/KILL"],
  ["KILL_SIGNAL", "SIGUSR1", "killSignal", "SIGUSR1"],
  ["KILL_SIGNAL", "sighup", "killSignal", "SIGHUP"],
  ["KILL_SIGNAL", "none", "killSignal", undefined],
  ["KILL_SIGNAL", "NONE", "killSignal", undefined],
  ["BREAKER_FAILURES", "1", "breakerFailures", 1],
  ["BREAKER_COOLOFF_MS", "60000", "breakerCooloffMs", 60_000],
  ["DAILY_GAS_CAP_ETH", "2", "dailyGasCapWei", 2n * ETH],
  ["DAILY_GAS_CAP_ETH", "0.000000000000000001", "dailyGasCapWei", 1n],
  ["DAILY_SEND_CAP", "1", "dailySendCap", 1],
  ["OPS_PORT", "0", "opsPort", 0],
  ["OPS_PORT", "65535", "opsPort", 65_535],
  ["OPS_PORT", "off", "opsPort", undefined],
  ["OPS_PORT", "OFF", "opsPort", undefined],
  ["OPS_HOST", "0.0.0.0", "opsHost", "0.0.0.0"],
  ["OPS_HOST", "::1", "opsHost", "::1"],
  ["OPS_HOST", "keeper.internal", "opsHost", "keeper.internal"],
  ["OPS_TOKEN", ` ${TOKEN} `, "opsToken", TOKEN],
  ["OPS_TOKEN", "x".repeat(16), "opsToken", "x".repeat(16)],
  ["HEALTH_MAX_HEAD_AGE_S", "30", "healthMaxHeadAgeS", 30],
  ["DASHBOARD_BLOCKS", "0", "dashboardBlocks", 0],
  ["DASHBOARD_BLOCKS", "1000", "dashboardBlocks", 1_000],
  ["DATA_DIR", "/var/lib/keeper", "dataDir", "/var/lib/keeper"],
  ["REPORT_FILE", "out/report.json", "reportFile", "out/report.json"],
  ["LOG_LEVEL", "DEBUG", "logLevel", "debug"],
  ["LOG_LEVEL", "trace", "logLevel", "trace"],
  ["LOG_FORMAT", "pretty", "logFormat", "pretty"],
];

describe("good values", () => {
  it.each(GOOD)("%s=%j parses", (setting, text, field, value) => {
    expect(load({ [setting]: text })[field]).toEqual(value);
  });

  it.each([
    ["false", false],
    ["0", false],
    ["no", false],
  ])("DRY_RUN=%s is false", (text, value) => {
    const c = load({
      DRY_RUN: text,
      EXECUTOR_ADDRESS: "0xd8da6bf26964af9d7eed9e03e53415d37aa96045",
      PRIVATE_KEY: TEST_KEY,
    });
    expect(c.dryRun).toBe(value);
  });

  it("pairs FORK_BLOCK with FORK_URL", () => {
    const c = load({ FORK_URL: "https://eth.example.com", FORK_BLOCK: "19000000" });
    expect(c.forkBlock).toBe(19_000_000n);
    expect(load({ FORK_URL: "https://eth.example.com", FORK_BLOCK: "0" }).forkBlock).toBe(0n);
  });

  it("pairs RELAY_URL with RELAY_AUTH_KEY, lowercasing the key", () => {
    const c = load({
      RELAY_URL: "https://relay.flashbots.net",
      RELAY_AUTH_KEY: RELAY_KEY.toUpperCase().replace("0X", "0x"),
    });
    expect(c.relayUrl).toBe("https://relay.flashbots.net");
    expect(c.relayAuthKey).toBe(RELAY_KEY);
  });

  it("pairs KEYSTORE_PATH with KEYSTORE_PASSWORD, keeping the password's spaces", () => {
    const c = load({ KEYSTORE_PATH: " ./keys/keeper.json ", KEYSTORE_PASSWORD: " two words " });
    expect(c.keystore).toEqual({ path: "./keys/keeper.json", password: " two words " });
  });
});

/** [setting, bad text, a fragment of the expectation] */
const BAD: [SettingName, string, string][] = [
  ["RPC_URL", "ftp://example.com", "an http(s) URL of a JSON-RPC node"],
  ["RPC_URL", "localhost:8545", "an http(s) URL of a JSON-RPC node"],
  ["RPC_URL", "not a url", "an http(s) URL of a JSON-RPC node"],
  ["EXECUTOR_ADDRESS", "0x1234", "0x + 40 hex digits"],
  ["EXECUTOR_ADDRESS", "0x0000000000000000000000000000000000000000", "0x + 40 hex digits"],
  ["EXECUTOR_ADDRESS", "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96046", "the checksum does not match"],
  ["WATCH", "aave-v3,compound", "(unknown: compound)"],
  ["WATCH", " , ", "(the list is empty)"],
  ["MIN_PROFIT_USD", "abc", "a decimal number of US dollars, e.g. 5 or 0.25"],
  ["MIN_PROFIT_USD", "-5", "a decimal number of US dollars"],
  ["MIN_PROFIT_USD", "1e3", "a decimal number of US dollars"],
  ["MIN_PROFIT_USD", "$5", "a decimal number of US dollars"],
  ["MIN_PROFIT_USD", "0.123456789", "a decimal number of US dollars"],
  ["REBALANCE_THRESHOLD_BPS", "0", "from 1 to 10000"],
  ["REBALANCE_THRESHOLD_BPS", "10001", "from 1 to 10000"],
  ["REBALANCE_THRESHOLD_BPS", "2.5", "from 1 to 10000"],
  ["REBALANCE_TOLERANCE_BPS", "0", "from 1 to 10000"],
  ["DRY_RUN", "maybe", "true, false, 1, 0, yes or no"],
  ["DRY_RUN", "2", "true, false, 1, 0, yes or no"],
  ["START_BLOCK", "-1", 'a non-negative block number or "earliest"'],
  ["START_BLOCK", "latest", 'a non-negative block number or "earliest"'],
  ["LOG_CHUNK_BLOCKS", "0", "a positive integer number of blocks"],
  ["LOG_CHUNK_BLOCKS", "2k", "a positive integer number of blocks"],
  ["MULTICALL_BATCH", "0", "a positive integer number of calls"],
  ["POLL_INTERVAL_MS", "1s", "a positive integer number of milliseconds"],
  ["POLL_INTERVAL_MS", "99999999999999999999", "a positive integer number of milliseconds"],
  ["MAX_GAS_PRICE_GWEI", "0", "a positive decimal number of gwei"],
  ["MAX_GAS_PRICE_GWEI", "0.0000000001", "at most 9 decimals"],
  // A unit slip (wei typed as gwei), not a fee cap.
  ["MAX_GAS_PRICE_GWEI", "10000.000000001", "at most 10000"],
  ["MAX_GAS_PRICE_GWEI", "30000000000", "at most 10000"],
  // The keeper's clients are HTTP only: a ws URL is refused at start rather than failing obscurely later.
  ["RPC_URL", "ws://127.0.0.1:8546", "ws:// and wss:// are not supported"],
  ["RPC_URL", "wss://node.example.org:8546", "ws:// and wss:// are not supported"],
  ["STARTUP_RETRY_S", "0", "a positive integer number of seconds"],
  ["PRIORITY_FEE_GWEI", "-1", "a non-negative decimal number of gwei"],
  ["LOG_LEVEL", "verbose", "one of trace, debug, info, warn, error"],
  ["LOG_LEVEL", "fatal", "one of trace, debug, info, warn, error"],
  ["LOG_FORMAT", "xml", "one of json, pretty"],
  ["FORK_URL", "wss://node.example.org:8546", "an http(s) URL"],
  ["FORK_URL", "eth.example.com", "an http(s) URL"],
  ["FORK_BLOCK", "-1", "a non-negative block number"],
  ["FORK_BLOCK", "latest", "a non-negative block number"],
  ["MAX_TRADE_USD", "-1", "a decimal number of US dollars"],
  ["FEED_MAX_AGE_S", "0", "a positive integer number of seconds"],
  ["DISCOVERY_CONCURRENCY", "33", "from 1 to 32"],
  ["DECISION_LOG_RETENTION_BLOCKS", "0", "a positive integer number of blocks"],
  ["ORDER_FLOW_WINDOW_BLOCKS", "0", "from 1 to 10000"],
  ["MAX_FEED_TWAP_DEVIATION_BPS", "10001", "from 0 to 10000"],
  ["MAX_TRADE_USD", "1e6", "a decimal number of US dollars"],
  ["MAX_TRADE_USD", "0.000000001", "at most 8 decimals"],
  ["STUCK_BLOCKS", "0", "a positive integer number of blocks"],
  ["STUCK_BLOCKS", "1.5", "a positive integer number of blocks"],
  ["CONFIRMATIONS", "-1", "a non-negative integer number of blocks"],
  ["CONFIRMATIONS", "five", "a non-negative integer number of blocks"],
  ["KILL_SIGNAL", "SIGKILL", "one of SIGUSR1, SIGUSR2, SIGHUP or none"],
  ["KILL_SIGNAL", "USR2", "one of SIGUSR1, SIGUSR2, SIGHUP or none"],
  ["BREAKER_FAILURES", "0", "a positive integer number of consecutive failures"],
  ["BREAKER_COOLOFF_MS", "5m", "a positive integer number of milliseconds"],
  ["BREAKER_COOLOFF_MS", "0", "a positive integer number of milliseconds"],
  ["DAILY_GAS_CAP_ETH", "0", "a positive decimal number of ETH"],
  ["DAILY_GAS_CAP_ETH", "0.0000000000000000001", "at most 18 decimals"],
  ["DAILY_GAS_CAP_ETH", "1 ETH", "a positive decimal number of ETH"],
  ["DAILY_SEND_CAP", "0", "a positive integer number of transactions"],
  ["OPS_PORT", "65536", 'a TCP port from 0 to 65535 (0 picks a free one) or "off"'],
  ["OPS_PORT", "-1", "a TCP port from 0 to 65535"],
  ["OPS_PORT", "false", "a TCP port from 0 to 65535"],
  ["OPS_HOST", "http://127.0.0.1", "a host name or IP address"],
  ["OPS_HOST", "127.0.0.1:9464", "a host name or IP address"],
  ["OPS_HOST", "my host", "a host name or IP address"],
  ["OPS_TOKEN", "tooshort", "a bearer token of at least 16 characters"],
  ["OPS_TOKEN", "sixteen chars with spaces", "a bearer token of at least 16 characters without spaces"],
  ["HEALTH_MAX_HEAD_AGE_S", "0", "a positive integer number of seconds"],
  ["HEALTH_MAX_HEAD_AGE_S", "2m", "a positive integer number of seconds"],
  ["DASHBOARD_BLOCKS", "100001", "from 0 to 100000"],
];

describe("bad values", () => {
  it.each(BAD)("%s=%j is a ConfigError naming the setting and the expectation", (setting, text, fragment) => {
    const err = configError(() => load({ [setting]: text }));
    expect(err.issues).toHaveLength(1);
    const [issue] = err.issues;
    expect(issue.setting).toBe(setting);
    expect(issue.source).toEqual({ kind: "env" });
    expect(issue.expected).toContain(fragment);
    expect(issue.expected.startsWith(SETTINGS[setting].expected)).toBe(true);
    // URLs are shown redacted, secrets not at all, everything else verbatim.
    const shown = SETTINGS[setting].url ? issue.value : SETTINGS[setting].secret ? "<redacted>" : text.trim();
    expect(err.message).toContain(`${setting}=${JSON.stringify(shown)}: expected ${issue.expected} (from environment)`);
  });

  it.each([
    ["0x1234"],
    [`${"ab".repeat(32)}`], // no 0x
    [`0x${"00".repeat(32)}`], // zero is not a key
    [`0x${"ff".repeat(32)}`], // above the curve order
    [`0x${"gg".repeat(32)}`],
  ])("PRIVATE_KEY=%s is rejected without echoing it", (text) => {
    const err = configError(() => load({ PRIVATE_KEY: text }));
    expect(err.issues.map((i) => i.setting)).toEqual(["PRIVATE_KEY"]);
    expect(err.issues[0].value).toBe("<redacted>");
    expect(err.message).toContain('PRIVATE_KEY="<redacted>": expected 0x followed by 64 hex digits');
    expect(err.message).not.toContain(text);
  });

  it.each([["0x1234"], [`0x${"00".repeat(32)}`], [`0x${"ff".repeat(32)}`], [RELAY_KEY.slice(2)]])(
    "RELAY_AUTH_KEY=%s is rejected without echoing it",
    (text) => {
      const err = configError(() => load({ RELAY_URL: "https://relay.flashbots.net", RELAY_AUTH_KEY: text }));
      expect(err.issues.map((i) => i.setting)).toEqual(["RELAY_AUTH_KEY"]);
      expect(err.issues[0].value).toBe("<redacted>");
      expect(err.message).toContain('RELAY_AUTH_KEY="<redacted>": expected 0x followed by 64 hex digits');
      expect(err.message).not.toContain(text.slice(2));
    },
  );

  it.each([["ws://relay.example.com"], ["relay.flashbots.net"], ["ftp://user:s3cret@relay.example.com/APIKEY123"]])(
    "RELAY_URL=%s is rejected, shown with its scheme and host only",
    (text) => {
      const err = configError(() => load({ RELAY_URL: text, RELAY_AUTH_KEY: RELAY_KEY }));
      expect(err.issues.map((i) => i.setting)).toEqual(["RELAY_URL"]);
      expect(err.issues[0].expected).toBe(SETTINGS.RELAY_URL.expected);
      expect(err.message).toContain("expected an http(s) URL of a bundle relay accepting eth_sendBundle");
      expect(err.message).not.toMatch(/s3cret|APIKEY123/);
    },
  );

  it("rejects a short OPS_TOKEN without echoing it", () => {
    const err = configError(() => load({ OPS_TOKEN: "hunter2hunter2" }));
    expect(err.message).toContain('OPS_TOKEN="<redacted>": expected a bearer token of at least 16 characters');
    expect(err.message).not.toContain("hunter2");
  });
});

describe("rules between settings", () => {
  const executor = "0xd8da6bf26964af9d7eed9e03e53415d37aa96045";

  it("requires RPC_URL for run, not for other commands", () => {
    const err = configError(() => load({ RPC_URL: "" }));
    expect(err.issues).toEqual([
      expect.objectContaining({ setting: "RPC_URL", value: undefined, source: { kind: "unset" } }),
    ]);
    expect(err.message).toContain("RPC_URL is not set: expected an http(s) URL of a JSON-RPC node");
    expect(load({ RPC_URL: "" }, ["demo"]).rpcUrl).toBeUndefined();
    expect(load({ RPC_URL: "" }, [], { command: "demo" }).command).toBe("demo");
  });

  it("requires EXECUTOR_ADDRESS and a signer to send transactions, not to dry-run", () => {
    const err = configError(() => load({ DRY_RUN: "false" }));
    expect(err.issues.map((i) => i.setting)).toEqual(["EXECUTOR_ADDRESS", "PRIVATE_KEY"]);
    expect(err.message).toContain("EXECUTOR_ADDRESS is not set:");
    expect(err.message).toContain("set DRY_RUN=true (or --dry-run) to only simulate");
    expect(err.message).toContain("or KEYSTORE_PATH + KEYSTORE_PASSWORD");
    const withKeystore = load({
      DRY_RUN: "false",
      EXECUTOR_ADDRESS: executor,
      KEYSTORE_PATH: "k.json",
      KEYSTORE_PASSWORD: "pw",
    });
    expect(withKeystore.keystore?.path).toBe("k.json");
  });

  it("wants KEYSTORE_PATH and KEYSTORE_PASSWORD together, and not with PRIVATE_KEY", () => {
    expect(configError(() => load({ KEYSTORE_PATH: "k.json" })).issues[0].setting).toBe("KEYSTORE_PASSWORD");
    expect(configError(() => load({ KEYSTORE_PASSWORD: "pw" })).issues[0].setting).toBe("KEYSTORE_PATH");
    const both = configError(() => load({ PRIVATE_KEY: TEST_KEY, KEYSTORE_PATH: "k.json", KEYSTORE_PASSWORD: "pw" }));
    expect(both.issues).toEqual([
      expect.objectContaining({
        setting: "KEYSTORE_PATH",
        value: "k.json",
        expected: expect.stringContaining("choose one signer"),
      }),
    ]);
  });

  it("keeps the priority fee at or below the max gas price", () => {
    expect(load({ MAX_GAS_PRICE_GWEI: "2", PRIORITY_FEE_GWEI: "2" }).priorityFeeWei).toBe(2n * GWEI);
    const err = configError(() => load({ MAX_GAS_PRICE_GWEI: "2", PRIORITY_FEE_GWEI: "2.5" }));
    expect(err.message).toContain(
      'PRIORITY_FEE_GWEI="2.5": expected at most MAX_GAS_PRICE_GWEI (2) (from environment)',
    );
    // The default tip of 1 gwei is capped by a lower max instead of failing.
    expect(load({ MAX_GAS_PRICE_GWEI: "0.05" }).priorityFeeWei).toBe(GWEI / 20n);
  });

  it("needs no RPC_URL, EXECUTOR_ADDRESS nor signer to run on a fork", () => {
    const c = load({ RPC_URL: "", DRY_RUN: "false", FORK_URL: "https://eth.example.com/v2/abc" });
    expect(c.command).toBe("run");
    expect(c.dryRun).toBe(false);
    expect(c.forkUrl).toBe("https://eth.example.com/v2/abc");
    expect(c.rpcUrl).toBeUndefined();
    expect(c.executorAddress).toBeUndefined();
    expect(c.privateKey).toBeUndefined();
    // An invalid FORK_URL is one error, not four.
    const err = configError(() => load({ RPC_URL: "", DRY_RUN: "false", FORK_URL: "ws://eth.example.com" }));
    expect(err.issues.map((i) => i.setting)).toEqual(["FORK_URL"]);
  });

  it("rejects FORK_BLOCK without FORK_URL", () => {
    const err = configError(() => load({ FORK_BLOCK: "19000000" }));
    expect(err.issues).toEqual([
      expect.objectContaining({ setting: "FORK_BLOCK", value: "19000000", source: { kind: "env" } }),
    ]);
    expect(err.message).toContain('FORK_BLOCK="19000000": expected no FORK_BLOCK without FORK_URL');
  });

  it("requires RELAY_AUTH_KEY with RELAY_URL, and RELAY_URL with RELAY_AUTH_KEY", () => {
    const noKey = configError(() => load({ RELAY_URL: "https://relay.flashbots.net" }));
    expect(noKey.issues).toEqual([
      expect.objectContaining({ setting: "RELAY_AUTH_KEY", value: undefined, source: { kind: "unset" } }),
    ]);
    expect(noKey.message).toContain("RELAY_AUTH_KEY is not set: expected 0x followed by 64 hex digits");
    expect(noKey.message).toContain("required with RELAY_URL");
    const noUrl = configError(() => load({ RELAY_AUTH_KEY: RELAY_KEY }));
    expect(noUrl.issues).toEqual([expect.objectContaining({ setting: "RELAY_AUTH_KEY", value: "<redacted>" })]);
    expect(noUrl.message).toContain("no RELAY_AUTH_KEY without RELAY_URL");
    expect(noUrl.message).not.toContain(RELAY_KEY.slice(2));
  });

  it("refuses the funds key as the relay key", () => {
    const err = configError(() =>
      load({
        PRIVATE_KEY: TEST_KEY,
        RELAY_URL: "https://relay.flashbots.net",
        RELAY_AUTH_KEY: TEST_KEY.toUpperCase().replace("0X", "0x"),
      }),
    );
    expect(err.issues).toEqual([
      expect.objectContaining({
        setting: "RELAY_AUTH_KEY",
        value: "<redacted>",
        expected: expect.stringContaining("a key other than PRIVATE_KEY"),
      }),
    ]);
    expect(err.message.toLowerCase()).not.toContain(TEST_KEY.slice(2));
  });

  it("keeps the rebalance tolerance below the threshold", () => {
    const err = configError(() => load({ REBALANCE_THRESHOLD_BPS: "10", REBALANCE_TOLERANCE_BPS: "10" }));
    expect(err.issues).toEqual([
      expect.objectContaining({
        setting: "REBALANCE_TOLERANCE_BPS",
        expected: "fewer basis points than REBALANCE_THRESHOLD_BPS (10)",
      }),
    ]);
  });

  it("takes CHAIN instead of DEPLOYMENT_FILE, and names both when both are given", () => {
    expect(load({ CHAIN: "Base" }).chain).toBe("base");
    expect(load({}).chain).toBeUndefined();
    const err = configError(() => load({ CHAIN: "base" }, ["--deployment-file", "mine.json"]));
    expect(err.issues).toEqual([expect.objectContaining({ setting: "CHAIN", value: "base", source: { kind: "env" } })]);
    expect(err.message).toContain("DEPLOYMENT_FILE");
    expect(err.message).toContain("CHAIN");
    const bad = configError(() => load({ CHAIN: "solana" }));
    expect(bad.message).toContain("ethereum, base, arbitrum");
  });

  it("reads RPC_URLS as a list next to RPC_URL, printing only scheme and host", () => {
    const config = load({ RPC_URLS: "https://a.example.com/key-aaaaaaaa, https://b.example.com/key-bbbbbbbb" });
    expect(config.rpcUrls).toEqual(["https://a.example.com/key-aaaaaaaa", "https://b.example.com/key-bbbbbbbb"]);
    expect(JSON.stringify(config)).not.toContain("key-aaaaaaaa");
    expect(JSON.stringify(config)).toContain("https://b.example.com");
    const err = configError(() => load({ RPC_URLS: "https://a.example.com/key-aaaaaaaa,ws://b.example.com" }));
    expect(err.issues).toEqual([expect.objectContaining({ setting: "RPC_URLS" })]);
    expect(err.message).not.toContain("key-aaaaaaaa");
    const alone = configError(() => load({ RPC_URL: "", RPC_URLS: "https://a.example.com" }));
    expect(alone.issues).toEqual([expect.objectContaining({ setting: "RPC_URL" })]);
  });
});
