import { describe, expect, it } from "vitest";
import { KeeperError } from "../../src/errors.js";
import {
  createRedactor,
  looksLikePrivateKey,
  REDACTED,
  redactSecrets,
  redactUrl,
  redactUrlsInText,
} from "../../src/redact.js";

const KEY = `0x${"a1".repeat(32)}`;
const BODY = KEY.slice(2);

describe("redactSecrets", () => {
  it("replaces secrets inside strings, wherever they are nested", () => {
    const input = {
      msg: `key=${KEY}!`,
      list: ["x", { deep: "pw: hunter2hunter2" }],
      n: 5,
      b: 7n,
      ok: true,
      none: null,
    };
    expect(redactSecrets(input, [KEY, "hunter2hunter2"])).toEqual({
      msg: `key=${REDACTED}!`,
      list: ["x", { deep: `pw: ${REDACTED}` }],
      n: 5,
      b: 7n,
      ok: true,
      none: null,
    });
  });

  it("matches a hex key in any letter case, with or without 0x, inside longer text", () => {
    const out = redactSecrets([KEY.toUpperCase(), BODY, `0x00${BODY}ff`], [KEY]);
    expect(out).toEqual([REDACTED, REDACTED, `0x00${REDACTED}ff`]);
  });

  it("leaves other 32-byte hex strings (hashes) alone", () => {
    const hash = `0x${"b2".repeat(32)}`;
    expect(redactSecrets(`tx ${hash}`, [KEY])).toBe(`tx ${hash}`);
  });

  it("removes the longer of two overlapping secrets whole", () => {
    expect(redactSecrets("abc-secret-long", ["secret", "abc-secret-long"])).toBe(REDACTED);
  });

  it("ignores empty secrets and returns values unchanged when there is nothing to hide", () => {
    const value = { a: "text" };
    expect(redactSecrets(value, ["", ""])).toBe(value);
  });

  it("does not modify its input", () => {
    const input = { s: `k ${KEY}`, arr: [KEY] };
    redactSecrets(input, [KEY]);
    expect(input).toEqual({ s: `k ${KEY}`, arr: [KEY] });
  });

  it("redacts object keys, Maps and Sets, and survives cycles", () => {
    const cyclic: Record<string, unknown> = { [KEY]: "v" };
    cyclic.self = cyclic;
    const out = redactSecrets(cyclic, [KEY]) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual([REDACTED, "self"]);
    expect(out.self).toBe(out);
    expect(redactSecrets(new Map([["k", KEY]]), [KEY])).toEqual(new Map([["k", REDACTED]]));
    expect(redactSecrets(new Set([KEY]), [KEY])).toEqual(new Set([REDACTED]));
  });

  it("redacts errors (message, stack, own fields, cause) and keeps their class", () => {
    const cause = new Error(`inner ${KEY}`);
    const err = new KeeperError(`outer ${KEY}`, { cause, metaMessages: [`meta ${KEY}`] });
    const out = redactSecrets(err, [KEY]) as KeeperError;
    expect(out).toBeInstanceOf(KeeperError);
    expect(out.message).not.toContain(BODY);
    expect(out.message).toContain(`outer ${REDACTED}`);
    expect(out.stack).toContain(REDACTED);
    expect(out.stack).not.toContain(BODY);
    expect(out.shortMessage).toBe(`outer ${REDACTED}`);
    expect(out.metaMessages).toEqual([`meta ${REDACTED}`]);
    expect((out.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect(err.message).toContain(BODY);
  });

  it("replaces objects that have a JSON form by it, and returns other class instances as they are", () => {
    const url = new URL(`https://rpc.example.com/v2/${BODY}`);
    expect(redactSecrets({ url, at: new Date(0) }, [KEY])).toEqual({
      url: `https://rpc.example.com/v2/${REDACTED}`,
      at: "1970-01-01T00:00:00.000Z",
    });
    class Pool {
      constructor(readonly id: string) {}
    }
    const pool = new Pool(KEY);
    expect(redactSecrets([pool], [KEY])).toEqual([pool]);
    expect((redactSecrets([pool], [KEY]) as Pool[])[0]).toBe(pool);
  });

  it("compiles once with createRedactor for repeated use", () => {
    const redact = createRedactor([KEY]);
    expect(redact(`a ${KEY}`)).toBe(`a ${REDACTED}`);
    expect(redact(["b", KEY])).toEqual(["b", REDACTED]);
  });
});

describe("redactUrl", () => {
  it.each([
    ["https://eth-mainnet.g.alchemy.com/v2/SECRETKEY", "https://eth-mainnet.g.alchemy.com/***"],
    ["https://mainnet.infura.io/v3/abc?x=1", "https://mainnet.infura.io/***"],
    ["wss://user:pass@node.example.com:8546", "wss://node.example.com:8546/***"],
    ["https://rpc.example.com?apikey=abc", "https://rpc.example.com/***"],
    ["http://127.0.0.1:8545", "http://127.0.0.1:8545"],
    ["http://127.0.0.1:8545/", "http://127.0.0.1:8545"],
    ["localhost:8545/SECRET", "***"],
    ["not a url with SECRET", "***"],
  ])("%s -> %s", (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe("looksLikePrivateKey", () => {
  it("spots 32-byte hex with or without 0x, not addresses", () => {
    expect(looksLikePrivateKey(KEY)).toBe(true);
    expect(looksLikePrivateKey(BODY)).toBe(true);
    expect(looksLikePrivateKey("0xd8da6bf26964af9d7eed9e03e53415d37aa96045")).toBe(false);
  });
});

describe("redactUrlsInText", () => {
  it("hides the credentials of every URL in an error's message or stack, keeping the rest", () => {
    const text = [
      "HTTP request failed.",
      "",
      "Status: 503",
      "URL: https://eth-mainnet.g.alchemy.com/v2/KEY0123456789abcdef",
      'Request body: {"method":"eth_getTransactionCount"}',
      "    at fetch (http://user:pa55@127.0.0.1:8545/rpc?key=abc).",
      "Plain node: http://127.0.0.1:8545.",
    ].join("\n");
    const out = redactUrlsInText(text);
    expect(out).toContain("URL: https://eth-mainnet.g.alchemy.com/***\n");
    expect(out).toContain("at fetch (http://127.0.0.1:8545/***).");
    expect(out).toContain("Plain node: http://127.0.0.1:8545.");
    expect(out).toContain('Request body: {"method":"eth_getTransactionCount"}');
    expect(out).not.toMatch(/KEY0123456789abcdef|pa55|key=abc/);
  });
});
