import { pino, type DestinationStream, type Logger } from "pino";
import pinoPretty from "pino-pretty";
import type { LogFormat, LogLevel } from "../config/settings.js";
import { createRedactor, REDACTED } from "../redact.js";

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Values never to print: see `configSecrets(config)`. */
  secrets: readonly string[];
  /** Where lines go; default stdout. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/** Field names whose values are censored whatever they hold, at the top level and one level down. */
const SECRET_FIELDS = ["privateKey", "password", "keystorePassword", "authKey"];
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);

/**
 * A pino logger that cannot print the given secrets: every argument of every call (message,
 * interpolation values, merged objects, errors with their stack and cause) and every child's
 * bindings go through {@link createRedactor} before pino sees them, and fields named like secrets
 * are censored by pino's `redact`. `pretty` writes human lines synchronously (no worker thread, so
 * nothing is lost on exit); `json` writes one JSON object per line.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const redact = createRedactor(options.secrets);
  const destination: DestinationStream =
    options.format === "pretty"
      ? pinoPretty({
          sync: true,
          destination: options.destination ?? 1,
          // Colours only for a terminal: escape codes in a captured stream or a file are noise.
          colorize: options.destination === undefined ? pinoPretty.isColorSupported : false,
          ignore: "pid,hostname",
        })
      : (options.destination ?? pino.destination({ sync: true }));

  const logger = pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, redact(args));
        },
      },
    },
    destination,
  );

  // pino serializes a child's bindings once, in child(), where neither logMethod nor (for children)
  // formatters.bindings sees them. Children inherit from their parent's prototype chain, so this one
  // override covers grandchildren too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redact(bindings), childOptions);
  } as Logger["child"];
  return logger;
}
