/**
 * The one base class of every error the keeper raises on purpose, modelled on viem's BaseError:
 * a short message that says what went wrong, optional lines that say what to do about it, and the
 * underlying cause kept for logs. Secrets must never be put into any of these fields.
 */
export interface KeeperErrorOptions {
  cause?: unknown;
  /** Extra lines: what to fix, which setting, what was expected. */
  metaMessages?: string[];
  /** Free-form details (for instance the cause's message), shown after the meta lines. */
  details?: string;
}

export class KeeperError extends Error {
  override name = "KeeperError";
  readonly shortMessage: string;
  readonly metaMessages: string[];
  readonly details: string | undefined;

  constructor(shortMessage: string, options: KeeperErrorOptions = {}) {
    const details =
      options.details ?? (options.cause instanceof Error ? options.cause.message.split("\n")[0] : undefined);
    const lines = [shortMessage];
    if (options.metaMessages?.length) lines.push("", ...options.metaMessages);
    if (details) lines.push("", `Details: ${details}`);
    super(lines.join("\n"), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.metaMessages = options.metaMessages ?? [];
    this.details = details;
  }

  /** Walks the cause chain and returns the first error matching `predicate`, as viem's `walk` does. */
  walk(predicate: (err: unknown) => boolean): unknown {
    return walkCause(this, predicate);
  }
}

/** Cause chains longer than this are cut: a cycle (an error made its own cause) must not hang the keeper. */
const MAX_CAUSE_DEPTH = 32;

/**
 * The first error of `err`'s cause chain (`err` itself first) matching `predicate`, or undefined. Works on any
 * error - viem's, a node's, ours - since it only follows the standard `cause` links; a type-guard predicate
 * narrows the result.
 */
export function walkCause<T>(err: unknown, predicate: (e: unknown) => e is T): T | undefined;
export function walkCause(err: unknown, predicate: (e: unknown) => boolean): unknown;
export function walkCause(err: unknown, predicate: (e: unknown) => boolean): unknown {
  let e: unknown = err;
  for (let depth = 0; e && depth < MAX_CAUSE_DEPTH; depth++) {
    if (predicate(e)) return e;
    // Any object's `cause`, as viem's walk does: nodes and transports throw plain objects too.
    e = typeof e === "object" ? (e as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}
