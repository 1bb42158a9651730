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
    let err: unknown = this;
    while (err) {
      if (predicate(err)) return err;
      err = err instanceof Error ? err.cause : undefined;
    }
    return undefined;
  }
}
