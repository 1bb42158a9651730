import type { Address } from "viem";
import { readBatched } from "../../chain/multicall.js";
import { erc20BalanceAbi } from "../../chain/erc20.js";
import type { ProtocolReader, ReadAt, ReadClient, ReaderOptions } from "../module.js";
import { MorphoBorrowerIndex } from "./discover.js";
import { readMorphoState, type MorphoState } from "./read.js";
import type { MorphoSection } from "./schema.js";

/**
 * Morpho Blue's reader. When Morpho is watched: borrowers from `Borrow` events and their positions, with interest
 * accrued to the block. Always (Morpho is also a fee-free flash lender for Aave liquidations): the tokens Morpho
 * holds, which is what its flashLoan can lend.
 */
export class MorphoReader implements ProtocolReader {
  private readonly index?: MorphoBorrowerIndex;
  private lastFresh = 0;

  constructor(
    private readonly section: MorphoSection,
    private readonly tokens: readonly Address[],
    options: ReaderOptions,
  ) {
    if (options.watched) {
      this.index = new MorphoBorrowerIndex(section.morpho, section.markets.map((m) => m.id), options.startBlock, options.logChunkBlocks);
    }
  }

  async read(client: ReadClient, at: ReadAt): Promise<{ morpho?: MorphoState; morphoLiquidity: Record<Address, bigint> }> {
    this.lastFresh = this.index ? await this.index.update(client, at.blockNumber) : 0;
    const batch = { blockNumber: at.blockNumber, chunkSize: at.chunkSize };
    const [morpho, balances] = await Promise.all([
      this.index
        ? readMorphoState(client, { morpho: this.section.morpho, markets: this.section.markets, borrowers: this.index.borrowers, timestamp: at.timestamp, ...batch })
        : Promise.resolve(undefined),
      readBatched<bigint>(
        client,
        this.tokens.map((t) => ({ address: t, abi: erc20BalanceAbi, functionName: "balanceOf", args: [this.section.morpho] })),
        batch,
      ),
    ]);
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
