/**
 * The keeper's configuration: `loadConfig` reads .env, environment and CLI flags into a frozen,
 * typed {@link KeeperConfig}, or throws a {@link ConfigError} listing every bad setting.
 */
export { KILL_FILE_NAME, loadConfig, RUN_COMMAND, type LoadConfigOptions } from "./load.js";
export { describeConfig, configSecrets } from "./describe.js";
export {
  ConfigError,
  CONFIG_EXIT_CODE,
  formatIssue,
  describeSource,
  type ConfigIssue,
  type SettingSource,
} from "./errors.js";
export type { KeeperConfig, KeystoreConfig } from "./types.js";
export {
  formatDecimal,
  parseDecimal,
  ETH_DECIMALS,
  GWEI_DECIMALS,
  KILL_SIGNAL_NONE,
  MIN_OPS_TOKEN_LENGTH,
  OPS_PORT_OFF,
  USD_DECIMALS,
  type StartBlock,
} from "./schema.js";
export {
  KILL_SIGNALS,
  LOG_FORMATS,
  LOG_LEVELS,
  PROTOCOLS,
  SETTING_NAMES,
  SETTINGS,
  type KillSignal,
  type LogFormat,
  type LogLevel,
  type Protocol,
  type SettingName,
  type SettingSpec,
} from "./settings.js";
