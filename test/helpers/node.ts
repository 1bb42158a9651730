import { spawn } from "node:child_process";
import { join } from "node:path";

export { freePort } from "../../src/chain/freePort.js";

/** Hardhat's development account #1: a publicly known test key, used only against local nodes in tests. */
export const DEV_KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
export const DEV_ADDRESS_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

/** Runs the keeper CLI (`src/cli/main.ts`) as a child process, as a user would. */
export function spawnCli(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const repo = join(import.meta.dirname, "..", "..");
  // bin/keeper.js loads tsx in-process: no wrapper between the test's signals and the keeper.
  const child = spawn(process.execPath, [join(repo, "bin", "keeper.js"), ...args], {
    cwd: cwd ?? repo,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}
