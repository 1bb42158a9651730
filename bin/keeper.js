#!/usr/bin/env node
// The `keeper` command: registers tsx's loader in this process (no wrapper process, so signals such as
// SIGTERM reach the keeper directly and it can stop gracefully), then runs the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
