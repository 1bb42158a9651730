import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { inspect } from "node:util";
import { ethers } from "ethers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { keccak256, type Hex } from "viem";
import { KeeperError } from "../../src/errors.js";
import {
  BundleParamsError,
  bundleTransactionHashes,
  encodeSendBundleBody,
  flashbotsSignature,
  RelayError,
  RelayHttpError,
  RelayResponseError,
  RelayRpcError,
  RelayUnreachableError,
  sendBundle,
  verifyFlashbotsSignature,
} from "../../src/executor/relay/index.js";
import { closeServer, listen, readBody } from "../../src/testing/http.js";

/** The eth_sendBundle client against a stub relay whose answer each test sets: wire format, signature, errors. */
describe("sendBundle", () => {
  const authSigner = new ethers.Wallet(ethers.Wallet.createRandom().privateKey);
  const TX = "0x02f86b827a6980843b9aca00850ba43b740082520894000000000000000000000000000000000000dead0180c001a0" as Hex;
  let server: Server;
  let url: string;
  let answer: { status: number; body: string; delayMs?: number };
  let received: { body: string; headers: IncomingHttpHeaders }[];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      received.push({ body: await readBody(req), headers: req.headers });
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (res.destroyed) return;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body);
    });
    url = await listen(server);
  });
  afterAll(() => closeServer(server));
  beforeEach(() => {
    received = [];
    answer = {
      status: 200,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, result: { bundleHash: `0x${"ab".repeat(32)}` } }),
    };
  });

  const send = (overrides: Partial<Parameters<typeof sendBundle>[0]> = {}) =>
    sendBundle({ relayUrl: url, authSigner, signedTransactions: [TX], blockNumber: 0x1234n, ...overrides });

  it("POSTs the Flashbots body with X-Flashbots-Signature = address:personal_sign(keccak(body)) and returns the bundle hash", async () => {
    const hash = await send({ minTimestamp: 1_700_000_000, maxTimestamp: 1_700_000_120 });
    expect(hash).toBe(`0x${"ab".repeat(32)}`);
    const [{ body, headers }] = received;
    expect(body).toBe(
      `{"jsonrpc":"2.0","id":1,"method":"eth_sendBundle","params":[{"txs":["${TX}"],"blockNumber":"0x1234","minTimestamp":1700000000,"maxTimestamp":1700000120}]}`,
    );
    expect(headers["content-type"]).toBe("application/json");
    const header = headers["x-flashbots-signature"] as string;
    const [address, signature] = header.split(":");
    expect(address).toBe(authSigner.address);
    // Flashbots' scheme: the signed message is the hex keccak of the body, as text (EIP-191).
    expect(ethers.verifyMessage(ethers.id(body), signature)).toBe(authSigner.address);
    expect(verifyFlashbotsSignature(header, body)).toBe(authSigner.address);
    expect(verifyFlashbotsSignature(header, body.replace("0x1234", "0x1235"))).toBeUndefined();
    expect(verifyFlashbotsSignature(`0x${"11".repeat(20)}:${signature}`, body)).toBeUndefined();
    expect(verifyFlashbotsSignature("garbage", body)).toBeUndefined();
    expect(verifyFlashbotsSignature(`${authSigner.address}:0x1234`, body)).toBeUndefined();
    expect(await flashbotsSignature(authSigner, body)).toBe(header);
  });

  it("leaves optional timestamps out, and hashes transactions as their receipts are looked up", () => {
    expect(encodeSendBundleBody({ signedTransactions: [TX], blockNumber: 1n })).toBe(
      `{"jsonrpc":"2.0","id":1,"method":"eth_sendBundle","params":[{"txs":["${TX}"],"blockNumber":"0x1"}]}`,
    );
    expect(bundleTransactionHashes([TX, TX])).toEqual([keccak256(TX), keccak256(TX)]);
  });

  it("refuses an unusable bundle before sending anything", async () => {
    await expect(send({ signedTransactions: [] })).rejects.toBeInstanceOf(BundleParamsError);
    await expect(send({ signedTransactions: ["0xzz" as Hex] })).rejects.toBeInstanceOf(BundleParamsError);
    await expect(send({ blockNumber: 0n })).rejects.toBeInstanceOf(BundleParamsError);
    await expect(send({ minTimestamp: -1 })).rejects.toBeInstanceOf(BundleParamsError);
    expect(received).toHaveLength(0);
  });

  /** Every failure mode: its class, whether it is retryable, and proof that the auth key is nowhere in it. */
  const cases: { name: string; setup: () => void; relayUrl?: string; check: (e: unknown) => void }[] = [
    {
      name: "HTTP 403",
      setup: () => (answer = { status: 403, body: '{"error":{"message":"invalid flashbots signature"}}' }),
      check: (e) => expectHttp(e, 403, false),
    },
    {
      name: "HTTP 429",
      setup: () => (answer = { status: 429, body: "rate limited" }),
      check: (e) => expectHttp(e, 429, true),
    },
    {
      name: "HTTP 502",
      setup: () => (answer = { status: 502, body: "bad gateway" }),
      check: (e) => expectHttp(e, 502, true),
    },
    {
      name: "JSON-RPC error",
      setup: () =>
        (answer = {
          status: 200,
          body: '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bundle block too far in the future"}}',
        }),
      check: (e) => {
        expect(e).toBeInstanceOf(RelayRpcError);
        expect(e).toMatchObject({ code: -32602, rpcMessage: "bundle block too far in the future", retryable: false });
      },
    },
    {
      name: "truncated JSON",
      setup: () => (answer = { status: 200, body: '{"jsonrpc":"2.0","id":1,"result":{"bundl' }),
      check: (e) => expect(e).toBeInstanceOf(RelayResponseError),
    },
    {
      name: "no bundleHash",
      setup: () => (answer = { status: 200, body: '{"jsonrpc":"2.0","id":1,"result":{}}' }),
      check: (e) => expect(e).toBeInstanceOf(RelayResponseError),
    },
    {
      name: "neither result nor error",
      setup: () => (answer = { status: 200, body: '{"jsonrpc":"2.0","id":1}' }),
      check: (e) => expect(e).toBeInstanceOf(RelayResponseError),
    },
    {
      name: "timeout",
      setup: () => (answer = { status: 200, body: "{}", delayMs: 500 }),
      check: (e) => expect(e).toBeInstanceOf(RelayUnreachableError),
    },
    {
      name: "unreachable",
      setup: () => undefined,
      relayUrl: "http://127.0.0.1:1/api-key-in-path",
      check: (e) => expect(e).toBeInstanceOf(RelayUnreachableError),
    },
  ];
  for (const c of cases) {
    it(`${c.name}: a typed KeeperError without the auth key`, async () => {
      c.setup();
      const err = await send({ timeoutMs: 200, ...(c.relayUrl ? { relayUrl: c.relayUrl } : {}) }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RelayError);
      expect(err).toBeInstanceOf(KeeperError);
      c.check(err);
      const texts = [
        (err as Error).message,
        String((err as Error).stack),
        inspect(err, { depth: 10, showHidden: true }),
        JSON.stringify(err),
      ];
      for (const text of texts) {
        expect(text.toLowerCase()).not.toContain(authSigner.privateKey.slice(2).toLowerCase());
        expect(text).not.toContain("api-key-in-path");
      }
    });
  }
});

function expectHttp(err: unknown, status: number, retryable: boolean): void {
  expect(err).toBeInstanceOf(RelayHttpError);
  expect(err).toMatchObject({ status, retryable });
}
