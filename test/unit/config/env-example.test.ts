import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeConfig, loadConfig, SETTING_NAMES, SETTINGS } from "../../../src/config/index.js";

const EXAMPLE = fileURLToPath(new URL("../../../.env.example", import.meta.url));

describe(".env.example", () => {
  const text = readFileSync(EXAMPLE, "utf8");

  it("documents every setting, with its default when it has one", () => {
    for (const name of SETTING_NAMES) {
      expect(text, name).toMatch(new RegExp(`^#? ?${name}=`, "m"));
      const fallback = SETTINGS[name].default;
      if (fallback !== undefined) expect(text, name).toContain(`${name}=${fallback}\n`);
    }
  });

  it("is itself a valid configuration for a dry run, equal to the defaults", () => {
    const fromExample = loadConfig({ argv: ["--dry-run"], env: {}, envFile: EXAMPLE, stdoutIsTTY: false });
    const fromDefaults = loadConfig({
      argv: ["--dry-run", "--rpc", "http://127.0.0.1:8545"],
      env: {},
      envFile: "/nonexistent/.env",
      stdoutIsTTY: false,
    });
    expect(describeConfig(fromExample)).toEqual(describeConfig(fromDefaults));
  });
});
