import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { configError, DRY_RUN_BASE, load, NO_ENV_FILE, TempDirs } from "./helpers.js";

const USD = 10n ** 8n;
const temp = new TempDirs();
afterAll(() => temp.cleanup());

describe("precedence: flags over environment over .env", () => {
  const envFile = temp.envFile(
    [
      "# a comment",
      "RPC_URL=http://127.0.0.1:8545",
      "DRY_RUN=true",
      "MIN_PROFIT_USD=1",
      'DATA_DIR="/from/dotenv"',
      "LOG_LEVEL=warn # trailing comment",
      "",
    ].join("\n"),
  );

  it("takes each setting from the .env file when nothing overrides it", () => {
    const c = loadConfig({ argv: [], env: {}, envFile, stdoutIsTTY: false });
    expect(c.minProfitUsd).toBe(1n * USD);
    expect(c.dataDir).toBe("/from/dotenv");
    expect(c.logLevel).toBe("warn");
    expect(c.sources.MIN_PROFIT_USD).toEqual({ kind: "dotenv", file: envFile });
  });

  it("lets environment variables override the .env file", () => {
    const c = loadConfig({ argv: [], env: { MIN_PROFIT_USD: "2" }, envFile, stdoutIsTTY: false });
    expect(c.minProfitUsd).toBe(2n * USD);
    expect(c.sources.MIN_PROFIT_USD).toEqual({ kind: "env" });
    expect(c.dataDir).toBe("/from/dotenv");
  });

  it("lets flags override both", () => {
    const c = loadConfig({
      argv: ["--min-profit-usd", "3", "--data-dir=/from/flag"],
      env: { MIN_PROFIT_USD: "2" },
      envFile,
      stdoutIsTTY: false,
    });
    expect(c.minProfitUsd).toBe(3n * USD);
    expect(c.dataDir).toBe("/from/flag");
    expect(c.sources.MIN_PROFIT_USD).toEqual({ kind: "flag", flag: "--min-profit-usd" });
  });

  it("lets an empty environment variable clear a .env value back to its default", () => {
    const c = loadConfig({ argv: [], env: { LOG_LEVEL: "" }, envFile, stdoutIsTTY: false });
    expect(c.logLevel).toBe("info");
  });

  it("never writes to process.env nor to the env object it is given", () => {
    const before = { ...process.env };
    const env = Object.freeze({ WATCH: "aave-v3" });
    const c = loadConfig({ argv: [], env, envFile, stdoutIsTTY: false });
    expect(c.watch).toEqual(["aave-v3"]);
    expect(process.env).toEqual(before);
    expect(env).toEqual({ WATCH: "aave-v3" });
  });

  it("ignores environment variables that are not settings", () => {
    expect(() =>
      load({ PATH: "/usr/bin", HOME: "/root", DRY_RUN_LOG: "x", PRIVATE_KEY_2: "0x01", npm_config_dry_rum: "1" }),
    ).not.toThrow();
  });

  it("reports a misspelt setting in the environment with the same hint as in .env, without its value", () => {
    const secret = `0x${"4d".repeat(32)}`;
    const err = configError(() => load({ DRYRUN: "true", PRIVTE_KEY: secret, DRY_RUNS: "x" }));
    expect(err.issues).toEqual([
      expect.objectContaining({ setting: "DRYRUN", expected: "a known setting: did you mean DRY_RUN?" }),
      expect.objectContaining({
        setting: "PRIVTE_KEY",
        value: undefined,
        expected: "a known setting: did you mean PRIVATE_KEY?",
        source: { kind: "env" },
      }),
      expect.objectContaining({ setting: "DRY_RUNS", expected: "a known setting: did you mean DRY_RUN?" }),
    ]);
    expect(err.message).toContain(
      "PRIVTE_KEY has no value (from environment): expected a known setting: did you mean PRIVATE_KEY?",
    );
    expect(err.message).not.toContain(secret.slice(2));
  });
});

describe("the .env file", () => {
  it("may be missing", () => {
    expect(loadConfig({ argv: [], env: { ...DRY_RUN_BASE }, envFile: NO_ENV_FILE }).rpcUrl).toBe(
      "http://127.0.0.1:8545",
    );
  });

  it("is an error when it exists but cannot be read, reported with the other problems", () => {
    const envFile = temp.unreadableEnvFile();
    const err = configError(() => loadConfig({ argv: ["--log-level", "loud"], env: { ...DRY_RUN_BASE }, envFile }));
    expect(err.issues.map((i) => i.setting)).toEqual([".env", "LOG_LEVEL"]);
    expect(err.message).toContain(
      `.env=${JSON.stringify(envFile)}: expected a readable file in dotenv format (EISDIR)`,
    );
    expect((err.cause as NodeJS.ErrnoException).code).toBe("EISDIR");
  });

  it("reports near-misspellings of setting names but leaves other variables alone", () => {
    const envFile = temp.envFile(
      "RPC_URL=http://127.0.0.1:8545\nDRYRUN=true\nPRIVATE_KEY_2=0x01\nNODE_ENV=production\n",
    );
    const err = configError(() => loadConfig({ argv: [], env: {}, envFile }));
    expect(err.issues).toEqual([
      expect.objectContaining({
        setting: "DRYRUN",
        value: undefined,
        expected: "a known setting: did you mean DRY_RUN?",
      }),
      // DRY_RUN stayed false, so the keeper would send: the missing signer is reported as well.
      expect.objectContaining({ setting: "EXECUTOR_ADDRESS" }),
      expect.objectContaining({ setting: "PRIVATE_KEY" }),
    ]);
  });
});

describe("CLI flags", () => {
  it("accepts --rpc as an alias of --rpc-url, with a space or an equals sign", () => {
    expect(load({}, ["--rpc", "https://a.example.com"]).rpcUrl).toBe("https://a.example.com");
    expect(load({}, ["--rpc-url=https://b.example.com"]).rpcUrl).toBe("https://b.example.com");
    expect(load({}, ["--rpc=https://c.example.com/?x=a=b"]).rpcUrl).toBe("https://c.example.com/?x=a=b");
  });

  it("accepts --fork as an alias of --fork-url, and the new settings as kebab-case flags", () => {
    const c = load({ RPC_URL: "" }, [
      "--fork",
      "https://eth.example.com",
      "--fork-block=123",
      "--ops-port",
      "off",
      "--kill-signal",
      "none",
      "--max-trade-usd",
      "5000",
    ]);
    expect(c.forkUrl).toBe("https://eth.example.com");
    expect(c.forkBlock).toBe(123n);
    expect(c.opsPort).toBeUndefined();
    expect(c.killSignal).toBeUndefined();
    expect(c.maxTradeUsd).toBe(5000n * USD);
    expect(c.sources.FORK_URL).toEqual({ kind: "flag", flag: "--fork" });
    expect(load({}, ["--fork-url=https://eth.example.com"]).forkUrl).toBe("https://eth.example.com");
  });

  it("reads boolean flags without a value, with =value, and as --no-*", () => {
    const base = { DRY_RUN: "false" };
    expect(load(base, ["--dry-run"]).dryRun).toBe(true);
    expect(load(base, ["--dry-run=yes"]).dryRun).toBe(true);
    expect(configError(() => load({ DRY_RUN: "true" }, ["--dry-run=false"])).issues.map((i) => i.setting)).toContain(
      "EXECUTOR_ADDRESS",
    );
    expect(configError(() => load({ DRY_RUN: "true" }, ["--no-dry-run"])).issues.map((i) => i.setting)).toContain(
      "EXECUTOR_ADDRESS",
    );
  });

  it("does not let a boolean flag swallow the command after it", () => {
    const c = load({ DRY_RUN: "false" }, ["--dry-run", "scan", "extra", "--min-profit-usd", "7"]);
    expect(c.dryRun).toBe(true);
    expect(c.command).toBe("scan");
    expect(c.args).toEqual(["extra"]);
    expect(c.minProfitUsd).toBe(7n * USD);
  });

  it("treats everything after -- as positional arguments", () => {
    const c = load({}, ["run", "--", "--not-a-flag"]);
    expect(c.command).toBe("run");
    expect(c.args).toEqual(["--not-a-flag"]);
  });

  it("uses the caller's command and keeps all positionals as arguments", () => {
    const c = load({}, ["a", "b"], { command: "report" });
    expect(c.command).toBe("report");
    expect(c.args).toEqual(["a", "b"]);
  });

  it("rejects unknown flags, naming each one and suggesting the closest", () => {
    const err = configError(() => load({}, ["--rpc-ur", "http://x", "--frobnicate", "-v"]));
    expect(err.issues.map((i) => i.setting)).toEqual(["--rpc-ur", "--frobnicate", "-v"]);
    expect(err.message).toContain("--rpc-ur: unknown flag, expected a known flag: did you mean --rpc-url?");
    expect(err.message).toContain("--frobnicate: unknown flag");
  });

  it("reports a flag given without its value", () => {
    const atEnd = configError(() => load({}, ["--min-profit-usd"]));
    expect(atEnd.issues).toEqual([
      expect.objectContaining({
        setting: "MIN_PROFIT_USD",
        value: undefined,
        source: { kind: "flag", flag: "--min-profit-usd" },
      }),
    ]);
    expect(atEnd.message).toContain(
      "MIN_PROFIT_USD has no value (from flag --min-profit-usd): expected a decimal number of US dollars",
    );
    const beforeFlag = configError(() => load({}, ["--watch", "--dry-run"]));
    expect(beforeFlag.issues.map((i) => i.setting)).toEqual(["WATCH"]);
  });

  it("lets the last of two identical flags win", () => {
    expect(load({}, ["--multicall-batch", "10", "--multicall-batch", "20"]).multicallBatch).toBe(20);
  });
});

describe("the result", () => {
  it("is frozen, nested values included", () => {
    const c = load({ KEYSTORE_PATH: "k.json", KEYSTORE_PASSWORD: "pw" });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.watch)).toBe(true);
    expect(Object.isFrozen(c.keystore)).toBe(true);
    expect(Object.isFrozen(c.sources)).toBe(true);
    expect(() => {
      (c as { dryRun: boolean }).dryRun = false;
    }).toThrow(TypeError);
  });
});
