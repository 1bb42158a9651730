import { parseAbi, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { readBatched, type BatchedReadOptions } from "../../chain/multicall.js";

/** Chainlink AggregatorV3 surface. */
export const aggregatorAbi = parseAbi([
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
  "function decimals() view returns (uint8)",
]);

/** A token's reference USD price feed. */
export interface FeedConfig {
  token: Address;
  symbol: string;
  decimals: number;
  feed: Address;
}

/** A token's price in USD with 8 decimals, as of the snapshot block. */
export interface TokenPrice {
  token: Address;
  symbol: string;
  decimals: number;
  usd8: bigint;
  updatedAt: bigint;
}

/**
 * Reads every feed in one batch. Answers are rescaled to 8 decimals (feed decimals are assumed 8 unless the
 * deployment says otherwise); a non-positive answer is dropped: a keeper must never act on a zero price.
 */
export async function readPrices(
  client: PublicClient<Transport, Chain>,
  feeds: readonly FeedConfig[],
  options: BatchedReadOptions & { feedDecimals?: number } = {},
): Promise<TokenPrice[]> {
  const res = await readBatched<readonly [bigint, bigint, bigint, bigint, bigint]>(
    client,
    feeds.map((f) => ({ address: f.feed, abi: aggregatorAbi, functionName: "latestRoundData" })),
    options,
  );
  const dec = options.feedDecimals ?? 8;
  const out: TokenPrice[] = [];
  feeds.forEach((f, i) => {
    const r = res[i];
    if (!r.ok || r.value[1] <= 0n) return;
    const answer = r.value[1];
    const usd8 = dec >= 8 ? answer / 10n ** BigInt(dec - 8) : answer * 10n ** BigInt(8 - dec);
    out.push({ token: f.token, symbol: f.symbol, decimals: f.decimals, usd8, updatedAt: r.value[3] });
  });
  return out;
}
