#!/usr/bin/env node
// The `keeper` command: registers tsx's loader in this process (no wrapper process, so signals such as
// SIGTERM reach the keeper directly and it can stop gracefully), then runs the CLI.

// Checked before anything is loaded: an older Node fails later with an obscure error (node:sqlite is unknown there).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `keeper needs Node.js 22.13 or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      "Install Node 22 (e.g. `npm install -g --prefix ~/.node22 node@22` and put ~/.node22/bin first on PATH).\n",
  );
  process.exit(2);
}

const { register } = await import("tsx/esm/api");

// node:sqlite (the journal) is stable enough for us but still flagged experimental in Node 22: keep that one
// warning out of the keeper's output; every other warning is printed as usual.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : (warning?.message ?? "");
  if (/SQLite is an experimental feature/.test(text)) return;
  return emitWarning(warning, ...rest);
};

register();
await import("../src/cli/main.ts");
