import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { KeeperError } from "../errors.js";
import { hardhatConfigPath, hardhatPackageDir, packageRoot } from "./hardhatLocate.js";

/** A `hardhat node` child process and the URL it serves. */
export interface HardhatNode {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node` (optionally `--fork <url>`) as a child process, sends its very chatty log to `logFile`,
 * and resolves once it answers JSON-RPC.
 */
export async function startHardhatNode(params: {
  port: number;
  logFile: string;
  fork?: string;
  forkBlockNumber?: bigint;
  timeoutMs?: number;
}): Promise<HardhatNode> {
  const bin = join(hardhatPackageDir(), "dist", "src", "cli.js");
  const args = [bin, "--config", hardhatConfigPath(), "node", "--port", String(params.port), "--hostname", "127.0.0.1"];
  if (params.fork) args.push("--fork", params.fork);
  if (params.forkBlockNumber !== undefined) args.push("--fork-block-number", params.forkBlockNumber.toString());
  const log = createWriteStream(params.logFile);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${params.port}`;
  const deadline = Date.now() + (params.timeoutMs ?? 60_000);
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) {
      throw new KeeperError(`hardhat node exited with code ${exited} before answering.`, {
        metaMessages: [`See its log in ${params.logFile}. Is port ${params.port} already in use?`],
      });
    }
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (Date.now() >= deadline) {
    child.kill("SIGKILL");
    throw new KeeperError(`hardhat node did not answer on ${url} in time.`, {
      metaMessages: [`See ${params.logFile}.`],
    });
  }
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
