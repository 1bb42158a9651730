import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    // Integration tests drive real protocol bytecode on in-process chains: seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // The JSON report is what .ci/run summarises ("N passed, N failed").
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
