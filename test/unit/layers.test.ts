import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string; couldNotResolve: boolean }[] }[];
  summary: { violations: Violation[]; totalCruised: number; totalDependenciesCruised: number };
}

/** Runs dependency-cruiser (the same command as `npm run lint:layers`) in `cwd` and returns its JSON report. */
function cruise(cwd: string): CruiseResult {
  const run = spawnSync(process.execPath, [DEPCRUISE, "src", "--config", CONFIG, "--output-type", "json"], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`depcruise produced no report (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseResult;
}

const describeViolation = (v: Violation): string => `${v.rule.name}: ${v.from} -> ${v.to}`;

describe("layers of src/ (.dependency-cruiser.cjs)", () => {
  it("has no upward import, cycle, unresolved import or unlayered module", () => {
    const result = cruise(ROOT);
    expect(result.summary.violations.map(describeViolation)).toEqual([]);

    // A resolver that silently dropped imports would also report zero violations: check the graph is real.
    const unresolved = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} -> ${d.resolved}`),
    );
    expect(unresolved).toEqual([]);
    const keeper = result.modules.find((m) => m.source === "src/keeper/keeper.ts");
    expect(keeper?.dependencies.map((d) => d.resolved)).toContain("src/strategy/index.ts");
  });

  it("reports an upward import and an unlayered module", () => {
    // A throwaway tree with the same layout: the kernel importing the keeper, and a directory in no layer.
    const dir = mkdtempSync(join(tmpdir(), "layers-"));
    try {
      const files: Record<string, string> = {
        "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }),
        "src/errors.ts": 'import { loop } from "./keeper/keeper.js";\nexport const run = loop;\n',
        "src/keeper/keeper.ts": "export const loop = 1;\n",
        "src/nowhere/thing.ts": 'import { run } from "../errors.js";\nexport const thing = run;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const found = cruise(dir).summary.violations.map(describeViolation);
      expect(found).toEqual(
        expect.arrayContaining([
          "layer-0-kernel-imports-upward: src/errors.ts -> src/keeper/keeper.ts",
          "unlayered-module: src/nowhere/thing.ts -> src/errors.ts",
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
