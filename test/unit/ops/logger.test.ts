import { Writable } from "node:stream";
import { setImmediate as tick } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { configSecrets, loadConfig, type LogFormat, type LogLevel } from "../../../src/config/index.js";
import { createLogger } from "../../../src/ops/logger.js";

const KEY = `0x${"7d".repeat(31)}02`;
const BODY = KEY.slice(2);

/** A logger writing into memory; `output()` waits for the pretty stream's pipe to flush. */
function captured(format: LogFormat, secrets: string[], level: LogLevel = "info") {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level, format, secrets, destination });
  const output = async (): Promise<string> => {
    await tick();
    await tick();
    return chunks.join("");
  };
  return { logger, output };
}

/** Logs the key every way a careless caller could. */
function logTheKeyEverywhere(logger: ReturnType<typeof createLogger>): void {
  logger.info(`key is ${KEY}`);
  logger.info("interpolated %s and %o", KEY, { k: KEY });
  logger.info({ signer: { key: KEY.toUpperCase().replace("0X", "0x") }, list: [BODY] }, "object");
  logger.error(new Error(`cannot sign with ${KEY}`), "error");
  logger.error({ err: new Error("wrapped", { cause: new Error(KEY) }) }, "cause");
  logger
    .child({ key: KEY })
    .child({ nested: { again: KEY } })
    .warn("child bindings");
}

describe("createLogger", () => {
  it.each(["json", "pretty"] as const)("never writes a secret (%s)", async (format) => {
    const { logger, output } = captured(format, [KEY]);
    logTheKeyEverywhere(logger);
    const text = await output();
    expect(text).toContain("key is <redacted>");
    expect(text).toContain("child bindings");
    expect(text.toLowerCase()).not.toContain(BODY);
  });

  it("writes one JSON object per line in json format, secrets replaced in place", async () => {
    const { logger, output } = captured("json", [KEY, "hunter2hunter2"]);
    logger.info({ user: "alice", note: "pw hunter2hunter2" }, "hello %s", KEY);
    const lines = (await output()).trim().split("\n");
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 30, msg: "hello <redacted>", user: "alice", note: "pw <redacted>" });
  });

  it("censors fields named like secrets even when their value is unknown", async () => {
    const { logger, output } = captured("json", []);
    logger.info(
      { privateKey: "a", password: "b", keystorePassword: "c", authKey: "d", signer: { privateKey: "e" }, keep: "f" },
      "fields",
    );
    const record = JSON.parse(await output()) as Record<string, unknown>;
    expect(record).toMatchObject({
      privateKey: "<redacted>",
      password: "<redacted>",
      keystorePassword: "<redacted>",
      authKey: "<redacted>",
      signer: { privateKey: "<redacted>" },
      keep: "f",
    });
  });

  it("writes human lines in pretty format, without colours into a captured stream", async () => {
    const { logger, output } = captured("pretty", []);
    logger.warn({ pool: "WETH_USDC" }, "skewed");
    const text = await output();
    expect(text).toMatch(/WARN.*skewed/);
    expect(text).toContain('pool: "WETH_USDC"');
    expect(text).not.toContain("\u001b[");
    expect(() => JSON.parse(text)).toThrow();
  });

  it("drops lines below its level", async () => {
    const { logger, output } = captured("json", [], "warn");
    logger.info("quiet");
    logger.warn("loud");
    const text = await output();
    expect(text).not.toContain("quiet");
    expect(text).toContain("loud");
  });

  it("hides the configuration's secrets: key, keystore password and RPC API key", async () => {
    const rpcUrl = "https://eth-mainnet.example.com/v2/APIKEY1234567";
    const config = loadConfig({
      argv: ["--dry-run", "--rpc", rpcUrl],
      env: { PRIVATE_KEY: KEY },
      envFile: "/nonexistent/.env",
      stdoutIsTTY: false,
    });
    const { logger, output } = captured(config.logFormat, configSecrets(config), config.logLevel);
    logger.info({ config }, "loaded");
    logger.error(new Error(`HTTP request failed. URL: ${rpcUrl}`), "rpc");
    const text = await output();
    expect(text).toContain("https://eth-mainnet.example.com<redacted>");
    expect(text).toContain('"MIN_PROFIT_USD":"1"');
    expect(text).not.toContain("APIKEY1234567");
    expect(text.toLowerCase()).not.toContain(BODY);
  });
});
