import { readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import type { ConfigIssue, SettingSource } from "./errors.js";
import {
  allFlags,
  closest,
  isSettingName,
  SETTING_NAMES,
  SETTINGS,
  settingForFlag,
  type SettingName,
} from "./settings.js";

/** A setting's text as one source gave it, before validation. */
export interface RawValue {
  readonly text: string;
  readonly source: SettingSource;
}

/** The settings one source sets. */
export type RawSettings = Partial<Record<SettingName, RawValue>>;

/** What reading one source produced: its values, its own problems, and every secret it held. */
export interface SourceLayer {
  values: RawSettings;
  issues: ConfigIssue[];
  /** Secret values seen in this source, kept even when a later source overrides them, for redaction. */
  secrets: string[];
  /** Why the source could not be read, when it could not. */
  cause?: unknown;
}

/**
 * Reads a .env file with dotenv's parser into a plain object (process.env is never touched).
 * A missing file is normal (everything may come from the environment); any other read failure is
 * an issue, since silently ignoring an unreadable file would run with settings the operator did not intend.
 */
export function readEnvFile(file: string): SourceLayer {
  let contents: string;
  try {
    contents = readFileSync(file, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return { values: {}, issues: [], secrets: [] };
    const code = (cause as NodeJS.ErrnoException).code ?? "read error";
    return {
      values: {},
      secrets: [],
      cause,
      issues: [
        {
          setting: ".env",
          value: file,
          expected: `a readable file in dotenv format (${code})`,
          source: { kind: "dotenv", file },
        },
      ],
    };
  }
  const parsed = parseDotenv(contents);
  const layer = fromRecord(parsed, { kind: "dotenv", file });
  flagNearMisses(parsed, layer, { kind: "dotenv", file });
  return layer;
}

/**
 * Adds an issue for every name in `record` one edit away from a setting (DRY_RUNN, PRIVTE_KEY): other tools share
 * the file and the environment, so only near-misses of our names count, and one edit only, so that neighbours
 * such as PRIVATE_KEY_2 are left alone. A misspelt DRY_RUN ignored without a word would turn a rehearsal into
 * real transactions.
 */
function flagNearMisses(
  record: Readonly<Record<string, string | undefined>>,
  layer: SourceLayer,
  source: SettingSource,
): void {
  for (const [key, value] of Object.entries(record)) {
    if (isSettingName(key) || value === undefined) continue;
    // Only names written like ours (upper snake case): `Path` or `npm_config_x` are never a typo of a setting.
    if (source.kind === "env" && !/^[A-Z][A-Z0-9_]*$/.test(key)) continue;
    const suggestion = closest(key, SETTING_NAMES, 1);
    if (!suggestion) continue;
    layer.issues.push({
      setting: key,
      value: undefined,
      expected: `a known setting: did you mean ${suggestion}?`,
      source,
    });
    // A misspelt secret name still holds a secret.
    layer.secrets.push(value);
  }
}

/** Picks the keeper's settings out of the process environment, ignoring every other variable. */
export function readEnvironment(env: NodeJS.ProcessEnv): SourceLayer {
  const layer = fromRecord(env, { kind: "env" });
  flagNearMisses(env, layer, { kind: "env" });
  return layer;
}

function fromRecord(record: Readonly<Record<string, string | undefined>>, source: SettingSource): SourceLayer {
  const layer: SourceLayer = { values: {}, issues: [], secrets: [] };
  for (const name of SETTING_NAMES) {
    const text = record[name];
    if (text === undefined) continue;
    layer.values[name] = { text, source };
    if (SETTINGS[name].secret) layer.secrets.push(text);
  }
  return layer;
}

/** The flags' layer plus the positional arguments (the command and its arguments). */
export interface FlagLayer extends SourceLayer {
  positionals: string[];
}

/**
 * Parses CLI flags: `--name value` or `--name=value` for every setting (kebab-case of its name,
 * plus aliases such as `--rpc`), `--flag`, `--flag=false` or `--no-flag` for boolean settings, and
 * `--` to end the flags. Boolean flags never take the next word, so `--dry-run run` keeps `run` as
 * the command. node:util parseArgs cannot accept `--dry-run=false` nor report every bad flag at once.
 */
export function readFlags(argv: readonly string[]): FlagLayer {
  const layer: FlagLayer = { values: {}, issues: [], secrets: [], positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      layer.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      layer.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    let text = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = flag.startsWith("--") ? settingForFlag(flag.slice(2)) : undefined;
    if (!spec && flag.startsWith("--no-") && text === undefined) {
      const negated = settingForFlag(flag.slice(5));
      if (negated?.boolean) [spec, text] = [negated, "false"];
    }
    if (!spec) {
      // The value is not echoed: it might be a secret given to a misspelt flag.
      const suggestion = closest(flag, allFlags(), 3);
      const secret = suggestion ? settingForFlag(suggestion.slice(2)) : undefined;
      // Secrets have no flag: point at the variable rather than at a flag that would be refused too.
      const expected = secret?.secret
        ? `no flag for a secret: did you mean ${secret.name}? Set it in the environment or the .env file`
        : suggestion
          ? `a known flag: did you mean ${suggestion}?`
          : "a known flag (see .env.example; flags are the settings in kebab-case)";
      layer.issues.push({ setting: flag, value: undefined, expected, source: { kind: "flag", flag } });
      continue;
    }
    const source: SettingSource = { kind: "flag", flag };
    if (text === undefined && spec.boolean) text = "true";
    if (text === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--")) text = argv[++i];
    if (text === undefined) {
      layer.issues.push({ setting: spec.name, value: undefined, expected: `${spec.expected}, after ${flag}`, source });
      continue;
    }
    if (spec.secret) {
      layer.secrets.push(text);
      // Command lines are visible to every user of the machine (ps, /proc) and kept in shell history.
      layer.issues.push({
        setting: spec.name,
        value: undefined,
        expected: `${spec.name} in the environment, the .env file${spec.name === "PRIVATE_KEY" ? " or a keystore (KEYSTORE_PATH)" : ""}`,
        source,
        line: `${flag}: secrets are not accepted as flags (visible in ps and shell history); set ${spec.name} in the environment or the .env file${spec.name === "PRIVATE_KEY" ? ", or use a keystore (KEYSTORE_PATH + KEYSTORE_PASSWORD)" : ""}`,
      });
      continue;
    }
    layer.values[spec.name] = { text, source };
  }
  return layer;
}

/** Merges source layers, later layers winning (pass .env, then environment, then flags). */
export function mergeLayers(layers: readonly RawSettings[]): RawSettings {
  return Object.assign({}, ...layers) as RawSettings;
}
