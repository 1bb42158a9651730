/**
 * Operators run `keeper` from their own folder (their `.env`, their data directory), not from the checkout: the CLI
 * must start there, read `.env` from there, and tell an old Node apart from a broken install.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCli } from "../helpers/node.js";

const bin = join(import.meta.dirname, "..", "..", "bin", "keeper.js");

/** The machine's own Node when it is older than 22.13 (this one has Node 20 at /usr/bin/node), else undefined. */
const oldNode = ["/usr/bin/node", "/usr/local/bin/node"].find((n) => {
  if (!existsSync(n)) return false;
  const [major, minor] = spawnSync(n, ["--version"], { encoding: "utf8" }).stdout.slice(1).split(".").map(Number);
  return major < 22 || (major === 22 && minor < 13);
});

/** `keeper` started by an old Node, as `#!/usr/bin/env node` does when the system's Node is first on PATH. */
function runWithOldNode(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(oldNode!, [bin, ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { exited, output: () => ({ stdout, stderr }) };
}

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

  // Only where the machine has an old Node to start from (CI's and this one's have Node 20).
  it.runIf(oldNode)(
    "started by an old Node, it runs under a Node 22 it finds (KEEPER_NODE here), exit codes kept",
    async () => {
      const home = mkdtempSync(join(ops, "home-"));
      const help = runWithOldNode(["--help"], { HOME: home, KEEPER_NODE: process.execPath }, ops);
      expect(await help.exited).toBe(0);
      expect(help.output().stdout).toMatch(/^keeper <command> \[options\]/);
      const dir = mkdtempSync(join(ops, "old-node-env-"));
      writeFileSync(join(dir, ".env"), "MIN_PROFIT_USD=lots\n");
      const bad = runWithOldNode(["scan"], { HOME: home, KEEPER_NODE: process.execPath }, dir);
      expect(await bad.exited).toBe(2);
      expect(bad.output().stderr).toMatch(/MIN_PROFIT_USD/);
    },
  );

  it.runIf(oldNode)(
    "started by an old Node with no newer one to be found, it says which Node it found and exits 2",
    async () => {
      const run = runWithOldNode(["--help"], { HOME: mkdtempSync(join(ops, "bare-home-")) }, ops);
      expect(await run.exited).toBe(2);
      expect(run.output().stderr).toMatch(/keeper needs Node.js 22.13 or newer; this is Node.js \d+\.\d+\.\d+ \(/);
      expect(run.output().stderr).toMatch(/none was found in KEEPER_NODE/);
    },
  );
});
