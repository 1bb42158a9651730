import { getAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import type { ReadCoalescer } from "../../chain/multicall.js";
import { DiscoveryCursor, type DiscoveryOptions } from "../discovery.js";
import { morphoCreateMarketEvent } from "./abi.js";
import type { MorphoMarketParams } from "./types.js";

/**
 * Which Morpho Blue markets discovery adds to the deployment's list: none (`false`), every market whose loan and
 * collateral tokens are both deployment tokens (`"known-tokens"`: the keeper can price them and route the seized
 * collateral), or the markets with these ids (their parameters read from `CreateMarket`).
 */
export type MorphoMarketDiscovery = false | "known-tokens" | readonly Hex[];

/** One market as discovery returns it. */
export interface DiscoveredMorphoMarket {
  id: Hex;
  params: MorphoMarketParams;
}

const encode = (m: DiscoveredMorphoMarket): string =>
  [m.id, m.params.loanToken, m.params.collateralToken, m.params.oracle, m.params.irm, m.params.lltv].join(":");

function decode(item: string): DiscoveredMorphoMarket {
  const [id, loanToken, collateralToken, oracle, irm, lltv] = item.split(":");
  return {
    id: id.toLowerCase() as Hex,
    params: {
      loanToken: getAddress(loanToken),
      collateralToken: getAddress(collateralToken),
      oracle: getAddress(oracle),
      irm: getAddress(irm),
      lltv: BigInt(lltv),
    },
  };
}

/**
 * Morpho Blue's markets grown from `CreateMarket` events (every market ever created, with its oracle and IRM), the
 * same way the borrower index grows: one scan from the start block, saved and resumed, then the new blocks. Every
 * market seen is saved; `filter` decides which of them are returned for watching, so changing the filter needs no
 * rescan.
 */
export class MorphoMarketIndex {
  private readonly all = new Map<Hex, DiscoveredMorphoMarket>();
  private readonly cursor: DiscoveryCursor;
  private readonly tokens: ReadonlySet<string>;
  private readonly ids?: ReadonlySet<string>;

  constructor(
    private readonly morpho: Address,
    private readonly filter: Exclude<MorphoMarketDiscovery, false>,
    tokens: readonly Address[],
    fromBlock: bigint,
    chunkBlocks: bigint = 2_000n,
    discovery: DiscoveryOptions = {},
  ) {
    this.tokens = new Set(tokens.map((t) => t.toLowerCase()));
    if (filter !== "known-tokens") this.ids = new Set(filter.map((id) => id.toLowerCase()));
    this.cursor = new DiscoveryCursor("morpho-markets", morpho, fromBlock, chunkBlocks, discovery);
  }

  /** Markets created on chain so far (watched or not). */
  get size(): number {
    return this.all.size;
  }

  /** Whether the filter watches this market. */
  accepts(m: DiscoveredMorphoMarket): boolean {
    if (this.ids) return this.ids.has(m.id);
    return this.tokens.has(m.params.loanToken.toLowerCase()) && this.tokens.has(m.params.collateralToken.toLowerCase());
  }

  /**
   * Scans (lastScanned, toBlock] and returns the markets the filter accepts that were not returned before (on the
   * first call, the saved ones too). With `coalescer`, the eth_getLogs joins its wave.
   */
  async update(
    client: PublicClient<Transport, Chain>,
    toBlock: bigint,
    coalescer?: ReadCoalescer,
  ): Promise<DiscoveredMorphoMarket[]> {
    const fresh: DiscoveredMorphoMarket[] = [];
    const add = (m: DiscoveredMorphoMarket): void => {
      if (this.all.has(m.id)) return;
      this.all.set(m.id, m);
      if (this.accepts(m)) fresh.push(m);
    };
    for (const item of this.cursor.restore(client)) add(decode(item));
    type CreateLog = { args: { id: Hex; marketParams: MorphoMarketParams } };
    await this.cursor.read(
      client,
      { address: this.morpho, event: morphoCreateMarketEvent, toBlock, coalescer },
      (logs) =>
        (logs as CreateLog[]).map((log) => {
          const m = decode(encode({ id: log.args.id, params: log.args.marketParams }));
          add(m);
          return encode(m);
        }),
    );
    return fresh;
  }

  /** Forgets blocks from `block` on (a reorg); markets already returned stay watched (a re-created id is the same). */
  rewindTo(block: bigint): void {
    this.cursor.rewindTo(block);
  }
}
