import { KeeperError } from "../errors.js";
import { createRedactor, looksLikePrivateKey, REDACTED, redactUrl } from "../redact.js";
import { isSettingName, SETTINGS } from "./settings.js";

/** The process exit code for a configuration error (1 stays for runtime failures). */
export const CONFIG_EXIT_CODE = 2;

/** Where a setting's value came from, so an error can say which file or flag to fix. */
export type SettingSource =
  | { readonly kind: "flag"; readonly flag: string }
  | { readonly kind: "env" }
  | { readonly kind: "dotenv"; readonly file: string }
  | { readonly kind: "default" }
  | { readonly kind: "unset" };

/** One bad setting (or unknown flag, or unreadable .env file). */
export interface ConfigIssue {
  /** The setting's name (RPC_URL), an unknown flag as typed (--rpc-ur), or ".env" for the file itself. */
  setting: string;
  /** The offending value as it may be printed: secrets are `<redacted>`, URLs keep only scheme and host. */
  value: string | undefined;
  /** What a valid value looks like, phrased to follow "expected". */
  expected: string;
  source: SettingSource;
  /** The whole line to print instead of the usual "SETTING=value: expected ..."; it must quote no value. */
  line?: string;
}

/** Anything shaped like a private key, wherever it appears in an issue's text. */
const KEY_SHAPE = /(?:0x)?[0-9a-fA-F]{64}/g;

/** Longest value echoed back: enough to recognise it, not enough to flood a terminal. */
const MAX_SHOWN = 120;

/** Human wording of a source, as in "(from flag --rpc-url)". */
export function describeSource(source: SettingSource): string {
  switch (source.kind) {
    case "flag":
      return `flag ${source.flag}`;
    case "env":
      return "environment";
    case "dotenv":
      return `.env file ${source.file}`;
    case "default":
      return "default";
    case "unset":
      return "not set";
  }
}

/**
 * The printable form of a setting's raw value. Secrets are replaced whole (even a malformed key is
 * still most of a key), URLs (RPC, fork, relay) lose everything after the host, and anything shaped like a private
 * key is hidden wherever it was pasted.
 */
export function displayValue(setting: string, value: string, redact: (s: string) => string = (s) => s): string {
  if (isSettingName(setting) && SETTINGS[setting].secret) return REDACTED;
  // A list of URLs (RPC_URLS) is redacted item by item.
  if (isSettingName(setting) && SETTINGS[setting].url)
    return value
      .split(",")
      .map((u) => redactUrl(u.trim()))
      .join(",");
  if (looksLikePrivateKey(value)) return REDACTED;
  const shown = redact(value);
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown;
}

/** One line of the error message, e.g. `MIN_PROFIT_USD="abc": expected a decimal … (from environment)`. */
export function formatIssue(issue: ConfigIssue): string {
  if (issue.line !== undefined) return issue.line;
  if (issue.setting.startsWith("-")) return `${issue.setting}: unknown flag, expected ${issue.expected}`;
  if (issue.value === undefined) {
    return issue.source.kind === "unset"
      ? `${issue.setting} is not set: expected ${issue.expected}`
      : `${issue.setting} has no value (from ${describeSource(issue.source)}): expected ${issue.expected}`;
  }
  return `${issue.setting}=${JSON.stringify(issue.value)}: expected ${issue.expected} (from ${describeSource(issue.source)})`;
}

/** Options of {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** Every secret value seen in any source, including overridden ones: removed from all issue text. */
  secrets?: readonly string[];
  /** For instance the file system error of an unreadable .env file. */
  cause?: unknown;
}

/**
 * The configuration is invalid. Lists every bad setting at once (fixing them one run at a time is
 * tedious), each with its expected form and where the value came from. The process should exit
 * with {@link CONFIG_EXIT_CODE}.
 */
export class ConfigError extends KeeperError {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];
  readonly exitCode: number = CONFIG_EXIT_CODE;

  /** Values in `issues` may be raw: they are made printable here so no caller can leak a secret. */
  constructor(issues: readonly ConfigIssue[], options: ConfigErrorOptions = {}) {
    const redact = createRedactor(options.secrets ?? []);
    const safe = issues.map((issue): ConfigIssue =>
      Object.freeze({
        ...issue,
        value: issue.value === undefined ? undefined : displayValue(issue.setting, issue.value, redact),
        // Some expectations quote part of the value (WATCH's unknown items): the same care applies.
        expected: redact(issue.expected).replace(KEY_SHAPE, REDACTED),
      }),
    );
    const count = safe.length === 1 ? "1 problem" : `${safe.length} problems`;
    super(`Invalid configuration: ${count}.`, {
      cause: options.cause,
      metaMessages: [
        ...safe.map(formatIssue),
        "",
        "Flags override environment variables, which override the .env file; .env.example describes every setting.",
      ],
    });
    this.issues = Object.freeze(safe);
  }
}
