#!/usr/bin/env node
// The `keeper` command: registers tsx's loader in this process (no wrapper process, so signals such as
// SIGTERM reach the keeper directly and it can stop gracefully), then runs the CLI.
import { register } from "tsx/esm/api";

// node:sqlite (the journal) is stable enough for us but still flagged experimental in Node 22: keep that one
// warning out of the keeper's output; every other warning is printed as usual.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning?.message ?? "";
  if (/SQLite is an experimental feature/.test(text)) return;
  return emitWarning(warning, ...rest);
};

register();
await import("../src/cli/main.ts");
