#!/usr/bin/env node
// The `keeper` command. In the published package it runs the compiled CLI in dist/. In a source checkout (src/ is
// there) it registers tsx's loader in this process and runs the TypeScript directly, so an old dist/ left by
// `npm pack` or `npm run build` can never stand in for the code being edited; KEEPER_USE_DIST=1 runs dist/ anyway.
// Either way there is no wrapper process, so signals such as SIGTERM reach the keeper and it can stop gracefully.
import { existsSync } from "node:fs";

// Checked before anything is loaded: an older Node fails later with an obscure error (node:sqlite is unknown there).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `keeper needs Node.js 22.13 or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      "Install Node 22 (e.g. `npm install -g --prefix ~/.node22 node@22` and put ~/.node22/bin first on PATH).\n",
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
