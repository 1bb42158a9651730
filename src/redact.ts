/**
 * Keeps secrets (private keys, keystore passwords, RPC API keys) out of everything the keeper prints:
 * log lines, error messages, reports. Redaction works on values, never on serialized JSON, so it
 * cannot break the structure of a log line whatever the secret looks like.
 */

/** What a secret is replaced with. */
export const REDACTED = "<redacted>";

/** A 32-byte hex string with or without 0x: the shape of a private key (and of hashes). */
const KEY_BODY = /^(?:0x)?([0-9a-fA-F]{64})$/;

/** A function that returns a deep copy of its input with every known secret replaced by {@link REDACTED}. */
export type Redactor = <T>(value: T) => T;

/**
 * Compiles a redactor for `secrets` once, for hot paths such as every log call.
 * Hex keys are matched case-insensitively and with or without their 0x prefix, since the same key
 * is often printed as 0xABCD…, abcd… or inside a longer hex string. Empty secrets are ignored.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const hexKeys = new Set<string>();
  const plain = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    const body = KEY_BODY.exec(secret)?.[1];
    if (body) hexKeys.add(body.toLowerCase());
    else plain.add(secret);
  }
  // Longest first, so a secret containing another one is removed whole rather than half.
  const ordered = [...plain].sort((a, b) => b.length - a.length);
  const keyPattern = hexKeys.size ? new RegExp(`(?:0x)?(?:${[...hexKeys].join("|")})`, "gi") : undefined;
  const redactString = (text: string): string => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return keyPattern ? out.replace(keyPattern, REDACTED) : out;
  };
  if (!ordered.length && !keyPattern) return <T>(value: T): T => value;
  return <T>(value: T): T => deepMap(value, redactString, new WeakMap()) as T;
}

/**
 * Deep-replaces every occurrence of the given secret strings in `value` (strings, arrays, plain
 * objects and their keys, Maps, Sets, and Errors with their message, stack and cause) by
 * {@link REDACTED}. 0x+64-hex strings equal to a secret key in any letter case are replaced too.
 * Objects with a toJSON method (Date, URL, KeeperConfig) are replaced by their redacted JSON form.
 * The input is not modified; other class instances are returned as they are.
 */
export function redactSecrets(value: unknown, secrets: string[]): unknown {
  return createRedactor(secrets)(value);
}

/**
 * An RPC URL fit for printing: scheme and host are kept, anything after them (path, query, user
 * and password, where providers put API keys) becomes `***`.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.host) {
      const hidden = u.pathname.length > 1 || u.search || u.hash || u.username || u.password;
      return hidden ? `${u.protocol}//${u.host}/***` : `${u.protocol}//${u.host}`;
    }
  } catch {
    // Falls through: an unparseable value may still hold a key, so it gets the cautious treatment below.
  }
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)/i.exec(url);
  if (m && !m[2].includes("@")) return url.length > m[0].length ? `${m[1]}${m[2]}/***` : m[0];
  return "***";
}

/** A URL inside free text (an error's message or stack), up to the first blank, quote or bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}`]+/gi;

/**
 * `text` with every URL in it passed through {@link redactUrl}: for error messages and stack traces, where
 * libraries such as viem quote the request URL (and with it an API key in the path or query, or user:pass@).
 */
export function redactUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => {
    // Trailing punctuation closes the sentence, not the URL.
    const tail = /[.,;:]+$/.exec(url)?.[0] ?? "";
    return redactUrl(url.slice(0, url.length - tail.length)) + tail;
  });
}

/** Whether `value` has the shape of a private key (0x optional), e.g. one pasted into the wrong setting. */
export function looksLikePrivateKey(value: string): boolean {
  return /(?:0x)?[0-9a-fA-F]{64}/.test(value);
}

function deepMap(value: unknown, fn: (s: string) => string, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return fn(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return seen.get(value);
  const recurse = (v: unknown): unknown => deepMap(v, fn, seen);

  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(recurse(item));
    return out;
  }
  if (value instanceof Error) {
    // Same prototype, so `instanceof` and pino's error serializer still see an error of the same class.
    const out = Object.create(Object.getPrototypeOf(value)) as Error;
    seen.set(value, out);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      // `stack` is an accessor bound to the original in V8: read it and store the redacted text.
      const current = (value as unknown as Record<PropertyKey, unknown>)[key];
      Object.defineProperty(out, key, {
        value: recurse(current),
        enumerable: descriptor.enumerable,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value) out.set(recurse(k), recurse(v));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const v of value) out.add(recurse(v));
    return out;
  }
  // What JSON (and so every log line and report) would print: for the keeper's config that is its
  // redacted view, for a URL its href, which may hold an API key.
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const out = recurse(toJSON.call(value));
    seen.set(value, out);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[fn(k)] = recurse(v);
  return out;
}
