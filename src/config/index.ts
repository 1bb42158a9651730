/**
 * The keeper's configuration: `loadConfig` reads .env, environment and CLI flags into a frozen,
 * typed {@link KeeperConfig}, or throws a {@link ConfigError} listing every bad setting.
 */
export { loadConfig, RUN_COMMAND, type LoadConfigOptions } from "./load.js";
export { describeConfig, configSecrets } from "./describe.js";
export { ConfigError, CONFIG_EXIT_CODE, formatIssue, describeSource, type ConfigIssue, type SettingSource } from "./errors.js";
export type { KeeperConfig, KeystoreConfig } from "./types.js";
export { formatDecimal, parseDecimal, GWEI_DECIMALS, USD_DECIMALS, type StartBlock } from "./schema.js";
export {
  LOG_FORMATS,
  LOG_LEVELS,
  PROTOCOLS,
  SETTING_NAMES,
  SETTINGS,
  type LogFormat,
  type LogLevel,
  type Protocol,
  type SettingName,
  type SettingSpec,
} from "./settings.js";
