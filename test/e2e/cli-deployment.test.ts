import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDeployment } from "../../src/chain/deployment.js";
import { packageDeployment } from "../../src/presets/index.js";
import { DEPLOYMENT_SECTIONS } from "../../src/protocols/registry.js";
import { spawnCli } from "../helpers/node.js";

describe("keeper deployment", () => {
  const cwd = mkdtempSync(join(tmpdir(), "cli-deployment-"));

  it("prints the package part of a preset without --rpc, valid for --deployment-file, and says what is missing", async () => {
    const cli = spawnCli(["deployment", "--chain", "arbitrum"], {}, cwd);
    expect(await cli.exited).toBe(0);
    const { stdout, stderr } = cli.output();
    const printed = JSON.parse(stdout);
    expect(printed).toEqual(JSON.parse(JSON.stringify(packageDeployment("arbitrum"))));
    expect(parseDeployment(printed, DEPLOYMENT_SECTIONS).chainId).toBe(42161);
    expect(stderr).toContain("No --rpc given");
    expect(stderr).toContain("V3 pools");
  }, 60_000);

  it("refuses --chain together with --deployment-file, naming both", async () => {
    const cli = spawnCli(
      ["scan", "--chain", "base", "--deployment-file", "mine.json", "--rpc", "http://127.0.0.1:1"],
      {},
      cwd,
    );
    expect(await cli.exited).toBe(2);
    const { stderr } = cli.output();
    expect(stderr).toContain("CHAIN");
    expect(stderr).toContain("DEPLOYMENT_FILE");
  }, 60_000);
});
