/**
 * The layers of src/, bottom to top. A module may import from its own layer or a lower one, never a higher one:
 * the send path (executor, txlayer, safety) must not depend on what observes it (ops), and nothing the keeper runs
 * may depend on the world fixture that deploys protocols for tests and the demo.
 *
 * `npm run lint:layers` checks this; test/unit/layers.test.ts runs the same check inside `npm test`.
 * Type-only imports count too (tsPreCompilationDeps): a type is a dependency.
 */

/** [layer name, path regex] from the bottom (0) to the top. Every file of src/ must fall in exactly one. */
const LAYERS = [
  // 0 kernel: errors, skip reasons, secret redaction, the seeded PRNG. Imports nothing of ours.
  ["kernel", "^src/(errors|skip|redact|prng)\\.ts$"],
  // 1 pure math (risk) and the SQLite journal.
  ["risk-journal", "^src/(risk|journal)/"],
  // 2 chain access, real-chain presets (src/presets), the lower half of each protocol folder (abi, schema, discover, read: what the chain says), and
  // the configuration schema (used by ops and cli).
  [
    "chain-protocols-config",
    "^src/(chain|config|presets)/|^src/protocols/(?!(module|registry)\\.ts$)(?![^/]+/(index|detect|readBack|reader|batch|sequence)\\.ts$)",
  ],
  // 3 the send path: executor contract calls, the transaction layer, the safety gate (kill switch, breaker, caps).
  ["executor-txlayer-safety", "^src/(executor|txlayer|safety)/"],
  // 4 reading the chain into snapshots, and deciding what to do about them; with them the upper half of each protocol
  // folder (its reader, detector, batcher, read-back and module object) and the module interface and registry.
  [
    "watcher-strategy-modules",
    "^src/(watcher|strategy)/|^src/protocols/(module|registry)\\.ts$|^src/protocols/[^/]+/(index|detect|readBack|reader|batch|sequence)\\.ts$",
  ],
  // 5 the keeper loop.
  ["keeper", "^src/keeper/"],
  // 6 what observes or hosts the keeper (logger, metrics, ops server), mainnet forks, test doubles.
  ["ops-fork-testing", "^src/(ops|fork|testing)/"],
  // 7 the world fixture (deploys real protocols locally) and the demo built on it.
  ["world-demo", "^src/(world|demo)/"],
  // 8 the command line.
  ["cli", "^src/cli/"],
];

/**
 * Temporary exceptions, each with why and when it goes away. Keep this list empty when you can.
 * Each entry: the file (path regex), its layer index, and the higher module it may still import (path regex).
 */
const EXCEPTIONS = [];

/** Path regexes of the layers above `index`. */
const above = (index) => LAYERS.slice(index + 1).map(([, path]) => path);

const layerRules = LAYERS.slice(0, -1).map(([name, path], index) => ({
  name: `layer-${index}-${name}-imports-upward`,
  comment:
    `Layer ${index} (${name}) may import only from layers 0..${index}. ` +
    "Move the shared piece down to the lowest layer that needs it instead of importing upward.",
  severity: "error",
  from: { path, pathNot: EXCEPTIONS.map((e) => e.from) },
  to: { path: above(index) },
}));

// A file with an exception is still held to its layer for everything but the excepted target.
const exceptionRules = EXCEPTIONS.map((e) => ({
  name: `layer-${e.layer}-${LAYERS[e.layer][0]}-imports-upward-except`,
  comment: `Layer ${e.layer} (${LAYERS[e.layer][0]}), a file with a temporary exception (see EXCEPTIONS).`,
  severity: "error",
  from: { path: e.from },
  to: { path: above(e.layer), pathNot: e.to },
}));

const ALL_LAYERS = LAYERS.map(([, path]) => path);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    ...exceptionRules,
    {
      name: "unlayered-module",
      comment: "Every file of src/ belongs to a layer: add its directory to LAYERS in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^src/", pathNot: ALL_LAYERS },
      to: {},
    },
    {
      name: "import-of-unlayered-module",
      comment: "Every file of src/ belongs to a layer: add its directory to LAYERS in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/", pathNot: ALL_LAYERS },
    },
    {
      name: "no-circular",
      comment: "Import cycles within src/ make load order fragile and hide which module owns what. Break the cycle.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/", circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve would escape every rule above: fix the path.",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
