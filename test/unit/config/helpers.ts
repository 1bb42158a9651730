import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, type KeeperConfig, type LoadConfigOptions } from "../../../src/config/index.js";

/** A .env path that does not exist, so no test ever reads the developer's own .env. */
export const NO_ENV_FILE = join(tmpdir(), "imbalance-keeper-test-missing", "nothing-here", ".env");

/** The least a `run` needs when dry-running: everything else has a default. */
export const DRY_RUN_BASE: Readonly<Record<string, string>> = { RPC_URL: "http://127.0.0.1:8545", DRY_RUN: "true" };

/** A syntactically valid, non-zero private key (never a funded one). */
export const TEST_KEY = `0x${"5c".repeat(31)}01` as const;

/** Loads with DRY_RUN_BASE under `env`, no .env file and a non-TTY stdout unless `options` says otherwise. */
export function load(
  env: Record<string, string> = {},
  argv: string[] = [],
  options: Partial<LoadConfigOptions> = {},
): KeeperConfig {
  return loadConfig({ argv, env: { ...DRY_RUN_BASE, ...env }, envFile: NO_ENV_FILE, stdoutIsTTY: false, ...options });
}

/** Runs `fn`, which must throw a ConfigError, and returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

/** Temporary directories for .env files, removed by `cleanup`. */
export class TempDirs {
  private readonly dirs: string[] = [];

  /** Writes `contents` to a fresh `<tmp>/.env` and returns its path. */
  envFile(contents: string): string {
    const file = join(this.dir(), ".env");
    writeFileSync(file, contents);
    return file;
  }

  /** A path that exists but is a directory, so reading it as a file fails with EISDIR. */
  unreadableEnvFile(): string {
    const file = join(this.dir(), ".env");
    mkdirSync(file);
    return file;
  }

  dir(): string {
    const dir = mkdtempSync(join(tmpdir(), "imbalance-keeper-config-"));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
