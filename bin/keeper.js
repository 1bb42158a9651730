#!/usr/bin/env node
// The `keeper` command. In the published package it runs the compiled CLI in dist/. In a source checkout (src/ is
// there) it registers tsx's loader in this process and runs the TypeScript directly, so an old dist/ left by
// `npm pack` or `npm run build` can never stand in for the code being edited; KEEPER_USE_DIST=1 runs dist/ anyway.
// Either way there is no wrapper process, so signals such as SIGTERM reach the keeper and it can stop gracefully.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";

const REQUIRED = [22, 13];
const recent = (version) => {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > REQUIRED[0] || (major === REQUIRED[0] && minor >= REQUIRED[1]);
};

/**
 * A Node.js 22.13+ on this machine when the one running us is older (`#!/usr/bin/env node` takes the first on PATH,
 * often the system's): KEEPER_NODE, then where .ci/run and our own install hint put one. Undefined if none.
 */
function newerNode() {
  const home = homedir();
  const candidates = [
    process.env.KEEPER_NODE,
    process.env.IMBALANCE_KEEPER_NODE_PREFIX && `${process.env.IMBALANCE_KEEPER_NODE_PREFIX}/bin/node`,
    `${home}/.cache/imbalance-keeper/node22/bin/node`,
    `${home}/.node22/bin/node`,
  ];
  for (const c of candidates) {
    if (!c || !existsSync(c)) continue;
    const v = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (v.status === 0 && recent(v.stdout.trim())) return c;
  }
  return undefined;
}

// Checked before anything is loaded: an older Node fails later with an obscure error (node:sqlite is unknown there).
const fallback = recent(process.versions.node) || process.env.KEEPER_REEXEC ? undefined : newerNode();
if (fallback) {
  // Run again under the newer Node, passing every signal the keeper acts on (stop, kill switch) through to it.
  const child = spawn(fallback, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, KEEPER_REEXEC: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2"])
    process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
} else if (!recent(process.versions.node)) {
  process.stderr.write(
    `keeper needs Node.js 22.13 or newer; this is Node.js ${process.versions.node} (${process.execPath}), and none ` +
      "was found in KEEPER_NODE, ~/.cache/imbalance-keeper/node22 or ~/.node22.\n" +
      "Install Node 22 (e.g. `npm install -g --prefix ~/.node22 node@22`): keeper then uses it from there, or put " +
      "~/.node22/bin first on PATH.\n",
  );
  // No process.exit: it could drop the message when stderr is a pipe.
  process.exitCode = 2;
} else {
  // node:sqlite (the journal) is stable enough for us but still flagged experimental in Node 22: keep that one
  // warning out of the keeper's output; every other warning is printed as usual.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning, ...rest) => {
    const text = typeof warning === "string" ? warning : (warning?.message ?? "");
    if (/SQLite is an experimental feature/.test(text)) return;
    return emitWarning(warning, ...rest);
  };

  const source = new URL("../src/cli/main.ts", import.meta.url);
  const compiled = new URL("../dist/cli/main.js", import.meta.url);
  if (existsSync(source) && process.env.KEEPER_USE_DIST !== "1") {
    const { register } = await import("tsx/esm/api");
    register();
    await import(source.href);
  } else if (existsSync(compiled)) {
    // Stack traces point at the TypeScript lines, as they do under tsx.
    process.setSourceMapsEnabled(true);
    await import(compiled.href);
  } else {
    process.stderr.write(
      "keeper: dist/ is missing. In a source checkout run `npm run build` (or use src/ with tsx).\n",
    );
    process.exitCode = 2;
  }
}
