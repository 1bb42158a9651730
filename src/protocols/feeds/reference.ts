/**
 * Reference USD prices for every token of the deployment: a Chainlink feed where the deployment lists one, else the
 * Aave oracle's `getAssetPrice` (the price the pool liquidates at). Feed decimals and the oracle's
 * BASE_CURRENCY_UNIT are read once and kept. A feed without `latestRoundData` that answers `latestAnswer` (Aave's
 * CAPO and exchange-rate adapters, which is all AaveOracle calls) is read through `latestAnswer`; its answer is as
 * fresh as its base feed (`BASE_TO_USD_AGGREGATOR()`'s round), or, for an adapter that names no base, as the block.
 * A source that reverts, answers nothing usable or is missing is a skip with its reason, never a failed snapshot:
 * the keeper then simply has no price for that token this block.
 */
import { getAddress, parseAbi, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { readBatched, type BatchedReadOptions, type ReadCall } from "../../chain/multicall.js";
import { skip, type SkipReason } from "../../skip.js";
import { aggregatorAbi, type TokenPrice } from "./read.js";

/** The surface of an adapter that answers only `latestAnswer` (Aave's CAPO adapters). */
const answerAdapterAbi = parseAbi([
  "function latestAnswer() view returns (int256)",
  "function BASE_TO_USD_AGGREGATOR() view returns (address)",
]);

/** How a feed is read: Chainlink's round, or an adapter's bare answer (aged by its base feed's round, if any). */
type FeedShape = { mode: "round" } | { mode: "answer"; base?: Address };

const aaveOracleAbi = parseAbi([
  "function getAssetPrice(address asset) view returns (uint256)",
  "function BASE_CURRENCY_UNIT() view returns (uint256)",
]);

/** USD prices carry 8 decimals throughout the keeper. */
const USD8 = 10n ** 8n;

/** Where one token's reference price comes from. */
export interface PriceSourceConfig {
  token: Address;
  symbol: string;
  decimals: number;
  /** A Chainlink-style USD feed: overrides the oracle. */
  feed?: Address;
  /** The Aave oracle, used when there is no feed. */
  oracle?: Address;
}

/** Which source a price came from. */
export type PriceSourceKind = "feed" | "aave-oracle";

/** A token left without a price this block, and why. */
export interface PriceSkip {
  token: Address;
  symbol: string;
  source: PriceSourceKind | "none";
  skip: SkipReason;
}

/** The prices read at one block and the tokens that got none. */
export interface ReferencePrices {
  prices: TokenPrice[];
  skipped: PriceSkip[];
}

/** Where and how to read. `timestamp` stands in as the oracle answers' `updatedAt` (the oracle reports none). */
export type ReferenceReadAt = BatchedReadOptions & { timestamp?: bigint };

/** Rescales `answer` with `unit` (10^decimals, or the oracle's base currency unit) to 8 decimals. */
function toUsd8(answer: bigint, unit: bigint): bigint {
  return unit === USD8 ? answer : (answer * USD8) / unit;
}

/** Reads the reference prices of a fixed set of tokens, block after block, remembering each source's unit. */
export class ReferencePriceReader {
  /** 10^decimals of each feed, once read. */
  private readonly feedUnits = new Map<Address, bigint>();
  /** BASE_CURRENCY_UNIT of each oracle, once read. */
  private readonly oracleUnits = new Map<Address, bigint>();
  /** How each feed answers, found with its decimals. */
  private readonly feedShapes = new Map<Address, FeedShape>();
  /** decimals()/BASE_CURRENCY_UNIT calls made so far (a unit is read once: tests check it). */
  unitReads = 0;

  constructor(private readonly sources: readonly PriceSourceConfig[]) {}

  /** The prices at `at.blockNumber` (default the head), and a skip for every token without one. */
  async read(client: PublicClient<Transport, Chain>, at: ReferenceReadAt = {}): Promise<ReferencePrices> {
    const skipped: PriceSkip[] = [];
    const unitFailures = await this.readUnits(client, at);
    const priced: {
      source: PriceSourceConfig;
      kind: PriceSourceKind;
      unit: bigint;
      call: ReadCall;
      shape?: FeedShape;
    }[] = [];
    for (const s of this.sources) {
      const kind: PriceSourceKind | undefined = s.feed ? "feed" : s.oracle ? "aave-oracle" : undefined;
      if (!kind) {
        skipped.push({
          token: s.token,
          symbol: s.symbol,
          source: "none",
          skip: skip("price-check", `${s.symbol} has no feed and the deployment has no Aave oracle to price it.`),
        });
        continue;
      }
      const address = (kind === "feed" ? s.feed : s.oracle) as Address;
      const unit = kind === "feed" ? this.feedUnits.get(address) : this.oracleUnits.get(address);
      if (unit === undefined) {
        const why = unitFailures.get(address) ?? "unknown";
        const what = kind === "feed" ? `feed ${address} decimals()` : `Aave oracle ${address} BASE_CURRENCY_UNIT()`;
        skipped.push({
          token: s.token,
          symbol: s.symbol,
          source: kind,
          skip: skip("price-check", `${what} failed: ${why}`),
        });
        continue;
      }
      const shape = kind === "feed" ? this.feedShapes.get(address) : undefined;
      const call: ReadCall =
        kind === "aave-oracle"
          ? { address, abi: aaveOracleAbi, functionName: "getAssetPrice", args: [s.token] }
          : shape?.mode === "answer"
            ? { address, abi: answerAdapterAbi, functionName: "latestAnswer" }
            : { address, abi: aggregatorAbi, functionName: "latestRoundData" };
      priced.push({ source: s, kind, unit, call, shape });
    }
    // Adapters' base feeds are read in the same batch, after the prices: their rounds date the adapters' answers.
    const bases = [
      ...new Set(priced.flatMap((p) => (p.shape?.mode === "answer" && p.shape.base ? [p.shape.base] : []))),
    ];
    const res = await readBatched<unknown>(
      client,
      [
        ...priced.map((p) => p.call),
        ...bases.map((address) => ({ address, abi: aggregatorAbi, functionName: "latestRoundData" })),
      ],
      at,
    );
    const baseRounds = new Map(bases.map((b, i) => [b, res[priced.length + i]!]));
    const prices: TokenPrice[] = [];
    priced.forEach(({ source: s, kind, unit, shape }, i) => {
      const r = res[i];
      const where = kind === "feed" ? `feed ${s.feed}` : `Aave oracle ${s.oracle}`;
      if (!r.ok) {
        skipped.push({
          token: s.token,
          symbol: s.symbol,
          source: kind,
          skip: skip("price-check", `${s.symbol}: ${where} reverted: ${r.error}`),
        });
        return;
      }
      let answer: bigint;
      let updatedAt: bigint;
      if (kind === "aave-oracle") [answer, updatedAt] = [r.value as bigint, at.timestamp ?? 0n];
      else if (shape?.mode !== "answer")
        [answer, updatedAt] = [(r.value as readonly bigint[])[1]!, (r.value as readonly bigint[])[3]!];
      else if (!shape.base) [answer, updatedAt] = [r.value as bigint, at.timestamp ?? 0n];
      else {
        const base = baseRounds.get(shape.base)!;
        if (!base.ok) {
          // The adapter's answer is only as good as its base feed: without the base's round, no price.
          skipped.push({
            token: s.token,
            symbol: s.symbol,
            source: kind,
            skip: skip("price-check", `${s.symbol}: base feed ${shape.base} of ${where} reverted: ${base.error}`),
          });
          return;
        }
        [answer, updatedAt] = [r.value as bigint, (base.value as readonly bigint[])[3]!];
      }
      if (answer <= 0n) {
        // A keeper must never act on a zero or negative price.
        skipped.push({
          token: s.token,
          symbol: s.symbol,
          source: kind,
          skip: skip("price-check", `${s.symbol}: ${where} answered ${answer}.`),
        });
        return;
      }
      prices.push({ token: s.token, symbol: s.symbol, decimals: s.decimals, usd8: toUsd8(answer, unit), updatedAt });
    });
    return { prices, skipped };
  }

  /** Reads the units not known yet; returns the reason of each that failed (retried on the next read). */
  private async readUnits(client: PublicClient<Transport, Chain>, at: ReferenceReadAt): Promise<Map<Address, string>> {
    const feeds = [...new Set(this.sources.flatMap((s) => (s.feed && !this.feedUnits.has(s.feed) ? [s.feed] : [])))];
    const oracles = [
      ...new Set(
        this.sources.flatMap((s) => (!s.feed && s.oracle && !this.oracleUnits.has(s.oracle) ? [s.oracle] : [])),
      ),
    ];
    const failures = new Map<Address, string>();
    if (feeds.length + oracles.length === 0) return failures;
    const calls: ReadCall[] = [
      ...feeds.map((address) => ({ address, abi: aggregatorAbi, functionName: "decimals" })),
      ...oracles.map((address) => ({ address, abi: aaveOracleAbi, functionName: "BASE_CURRENCY_UNIT" })),
    ];
    this.unitReads += calls.length;
    // Each new feed's shape, probed in the same batch: a feed whose latestRoundData reverts but whose latestAnswer
    // answers is an adapter (not counted as unit reads).
    const probes: ReadCall[] = feeds.flatMap((address) => [
      { address, abi: aggregatorAbi, functionName: "latestRoundData" },
      { address, abi: answerAdapterAbi, functionName: "latestAnswer" },
      { address, abi: answerAdapterAbi, functionName: "BASE_TO_USD_AGGREGATOR" },
    ]);
    const res = await readBatched<unknown>(client, [...calls, ...probes], at);
    calls.forEach((c, i) => {
      const r = res[i];
      const isFeed = i < feeds.length;
      if (!r.ok) return void failures.set(c.address, r.error);
      const unit = isFeed ? 10n ** BigInt(Number(r.value)) : BigInt(r.value as bigint);
      if (unit <= 0n) return void failures.set(c.address, "zero unit");
      (isFeed ? this.feedUnits : this.oracleUnits).set(c.address, unit);
      if (isFeed) {
        const [round, answer, base] = res.slice(calls.length + 3 * i, calls.length + 3 * i + 3);
        this.feedShapes.set(
          c.address,
          !round!.ok && answer!.ok
            ? {
                mode: "answer",
                base:
                  base!.ok && BigInt(base!.value as Address) !== 0n ? getAddress(base!.value as Address) : undefined,
              }
            : { mode: "round" },
        );
      }
    });
    return failures;
  }
}
