/**
 * Operators run `keeper` from their own folder (their `.env`, their data directory), not from the checkout: the CLI
 * must start there, read `.env` from there, and tell an old Node apart from a broken install.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCli } from "../helpers/node.js";

describe("keeper from another directory", () => {
  const ops = mkdtempSync(join(tmpdir(), "keeper-ops-"));

  it("prints its help from a folder with no Hardhat config", async () => {
    const run = spawnCli(["--help"], {}, ops);
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toMatch(/^keeper <command> \[options\]/);
    expect(run.output().stderr).not.toMatch(/HHE3|No Hardhat config/);
  });

  it("reads .env from the working directory: a bad value there is named, exit 2", async () => {
    const dir = mkdtempSync(join(ops, "with-env-"));
    writeFileSync(join(dir, ".env"), "MIN_PROFIT_USD=lots\n");
    const run = spawnCli(["scan"], {}, dir);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(/MIN_PROFIT_USD/);
  });
});
