import type { Address, Hex } from "viem";
import type { MorphoMarketState } from "../../risk/morpho/types.js";
import { readBatched } from "../../chain/multicall.js";
import { erc20BalanceAbi } from "../../chain/erc20.js";
import type { ProtocolReader, ReadAt, ReadClient, ReaderOptions } from "../module.js";
import { MorphoBorrowerIndex } from "./discover.js";
import { MorphoMarketIndex, type DiscoveredMorphoMarket, type MorphoMarketDiscovery } from "./markets.js";
import {
  accrueMorphoMarkets,
  assembleMorphoState,
  readMorphoHeads,
  readMorphoPositions,
  type MorphoState,
} from "./read.js";
import type { MorphoSection } from "./schema.js";

/**
 * Morpho Blue's reader. When Morpho is watched: the deployment's markets and, with `discover`, the markets found in
 * `CreateMarket` events; borrowers from `Borrow` events and their positions, with interest accrued to the block. Always (Morpho is also a fee-free flash lender for Aave liquidations): the tokens Morpho
 * holds, which is what its flashLoan can lend.
 */
export class MorphoReader implements ProtocolReader {
  private readonly index?: MorphoBorrowerIndex;
  private readonly marketIndex?: MorphoMarketIndex;
  /** The markets read: the deployment's, then the discovered ones in the order found. */
  private readonly markets: DiscoveredMorphoMarket[];
  private lastFresh = 0;
  /** Each market's state last block: the borrow rate is guessed from it in the heads' round. */
  private states = new Map<Hex, MorphoMarketState>();

  constructor(
    private readonly section: MorphoSection,
    private readonly tokens: readonly Address[],
    options: ReaderOptions,
  ) {
    this.markets = section.markets.map((m) => ({ id: m.id.toLowerCase() as Hex, params: m.params }));
    if (options.watched) {
      const discover = morphoMarketDiscovery(section);
      if (discover !== false)
        this.marketIndex = new MorphoMarketIndex(
          section.morpho,
          discover,
          tokens,
          options.startBlock,
          options.logChunkBlocks,
          options.discovery,
        );
      this.index = new MorphoBorrowerIndex(
        section.morpho,
        section.markets.map((m) => m.id),
        options.startBlock,
        options.logChunkBlocks,
        options.discovery,
      );
    }
  }

  async read(
    client: ReadClient,
    at: ReadAt,
  ): Promise<{ morpho?: MorphoState; morphoLiquidity: Record<Address, bigint> }> {
    const batch = { blockNumber: at.blockNumber, chunkSize: at.chunkSize, coalescer: at.coalescer };
    const known = [...this.markets];
    // Round 1 (one wave): discovery (markets and borrowers), market heads and Morpho's balances; round 2: positions
    // of every borrower now known, and the borrow rates the heads' round could not guess. A market discovered in
    // round 1 has its head read on its own first (only when a market is new).
    const [fresh, found, knownHeads, balances] = await Promise.all([
      this.index ? this.index.update(client, at.blockNumber, at.coalescer) : Promise.resolve(0),
      this.marketIndex ? this.marketIndex.update(client, at.blockNumber, at.coalescer) : Promise.resolve([]),
      this.index
        ? readMorphoHeads(client, { morpho: this.section.morpho, markets: known, previous: this.states, ...batch })
        : Promise.resolve(undefined),
      readBatched<bigint>(
        client,
        this.tokens.map((t) => ({
          address: t,
          abi: erc20BalanceAbi,
          functionName: "balanceOf",
          args: [this.section.morpho],
        })),
        batch,
      ),
    ]);
    this.lastFresh = fresh;
    const added = found.filter((m) => !known.some((k) => k.id === m.id));
    let heads = knownHeads;
    if (this.index && heads && added.length > 0) {
      this.markets.push(...added);
      this.index.watch(added.map((m) => m.id));
      heads = [...heads, ...(await readMorphoHeads(client, { morpho: this.section.morpho, markets: added, ...batch }))];
    }
    const markets = this.markets;
    let morpho: MorphoState | undefined;
    if (this.index && heads) {
      const [accrued, positions] = await Promise.all([
        accrueMorphoMarkets(client, { markets, heads, timestamp: at.timestamp, ...batch }),
        readMorphoPositions(client, {
          morpho: this.section.morpho,
          markets,
          borrowers: this.index.borrowers,
          ...batch,
        }),
      ]);
      this.states = new Map(markets.map((m, i) => [m.id, heads[i].state]));
      morpho = assembleMorphoState({ morpho: this.section.morpho, markets }, heads, accrued, positions);
    }
    const morphoLiquidity: Record<Address, bigint> = {};
    balances.forEach((r, i) => {
      if (r.ok) morphoLiquidity[this.tokens[i]] = r.value;
    });
    return morpho ? { morpho, morphoLiquidity } : { morphoLiquidity };
  }

  rewindTo(block: bigint): void {
    this.index?.rewindTo(block);
  }

  stats(): Record<string, number> {
    return {
      morphoBorrowersWatched: this.index?.size ?? 0,
      morphoMarketsWatched: this.index ? this.markets.length : 0,
      newBorrowers: this.lastFresh,
    };
  }
}

/**
 * What a Morpho section discovers: its `discover` field; by default every market of the deployment's tokens when it
 * lists no market (a preset), none when it lists some (a world or a pinned file).
 */
export function morphoMarketDiscovery(section: MorphoSection): MorphoMarketDiscovery {
  return section.discover ?? (section.markets.length === 0 ? "known-tokens" : false);
}
