import type { Address, Hex } from "viem";
import type { MorphoMarketState } from "../../risk/morpho/types.js";
import { readBatched } from "../../chain/multicall.js";
import { erc20BalanceAbi } from "../../chain/erc20.js";
import type { ProtocolReader, ReadAt, ReadClient, ReaderOptions } from "../module.js";
import { MorphoBorrowerIndex } from "./discover.js";
import {
  accrueMorphoMarkets,
  assembleMorphoState,
  readMorphoHeads,
  readMorphoPositions,
  type MorphoState,
} from "./read.js";
import type { MorphoSection } from "./schema.js";

/**
 * Morpho Blue's reader. When Morpho is watched: borrowers from `Borrow` events and their positions, with interest
 * accrued to the block. Always (Morpho is also a fee-free flash lender for Aave liquidations): the tokens Morpho
 * holds, which is what its flashLoan can lend.
 */
export class MorphoReader implements ProtocolReader {
  private readonly index?: MorphoBorrowerIndex;
  private lastFresh = 0;
  /** Each market's state last block: the borrow rate is guessed from it in the heads' round. */
  private states = new Map<Hex, MorphoMarketState>();

  constructor(
    private readonly section: MorphoSection,
    private readonly tokens: readonly Address[],
    options: ReaderOptions,
  ) {
    if (options.watched) {
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
    const markets = this.section.markets;
    // Round 1 (one wave): discovery, market heads and Morpho's balances; round 2: positions of every borrower now
    // known, and the borrow rates the heads' round could not guess.
    const [fresh, heads, balances] = await Promise.all([
      this.index ? this.index.update(client, at.blockNumber, at.coalescer) : Promise.resolve(0),
      this.index
        ? readMorphoHeads(client, { morpho: this.section.morpho, markets, previous: this.states, ...batch })
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
    return { morphoBorrowersWatched: this.index?.size ?? 0, newBorrowers: this.lastFresh };
  }
}
