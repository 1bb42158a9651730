import { getAddress, type Address, type Chain, type PublicClient, type Transport } from "viem";
import type { Deployment } from "../chain/deployment.js";
import { readBatched } from "../chain/multicall.js";
import { erc20BalanceAbi } from "../protocols/aaveV3/abi.js";
import { AaveBorrowerIndex } from "../protocols/aaveV3/discover.js";
import { readAaveAccounts, readAaveReserves, type AaveAccountState, type AaveState } from "../protocols/aaveV3/read.js";
import { MorphoBorrowerIndex } from "../protocols/morphoBlue/discover.js";
import { readMorphoState } from "../protocols/morphoBlue/read.js";
import { readPrices, type FeedConfig, type TokenPrice } from "../protocols/feeds/read.js";
import { readV2Pairs, type V2PairConfig } from "../protocols/uniswapV2/read.js";
import { readV3Pools, type V3PoolConfig } from "../protocols/uniswapV3/read.js";
import { freezeSnapshot, type Snapshot } from "./snapshot.js";

const WAD = 10n ** 18n;
/** Accounts whose health factor may have fallen under this since their last reading are read again. */
const REREAD_HF = (105n * WAD) / 100n;

export type WatchTarget = "aave-v3" | "morpho-blue" | "uniswap-v2" | "uniswap-v3";

export interface WatcherOptions {
  watch: ReadonlySet<WatchTarget>;
  /** Calls per aggregate3 chunk. */
  multicallChunk?: number;
  /** eth_getLogs block range per request. */
  logChunkBlocks?: bigint;
  /** Our executor contract, whose token balances (inventory) are read each block. */
  executor?: Address;
  /** Every Aave account is re-read at least this often, whatever the prices did (interest, aToken transfers). */
  fullRefreshBlocks?: number;
  /** First block of event discovery (default: the deployment's startBlock). */
  startBlock?: bigint;
}

/**
 * Owns every read. Keeps the borrower index up to date from events and turns one block into one Snapshot
 * with a handful of batched multicalls, whatever the number of positions.
 */
export class Watcher {
  private readonly aaveIndex?: AaveBorrowerIndex;
  private readonly morphoIndex?: MorphoBorrowerIndex;
  private readonly feeds: FeedConfig[];
  private readonly pairs: V2PairConfig[];
  private readonly pools: V3PoolConfig[];

  constructor(
    private readonly client: PublicClient<Transport, Chain>,
    private readonly deployment: Deployment,
    private readonly options: WatcherOptions,
  ) {
    const start = options.startBlock ?? deployment.startBlock ?? 0n;
    if (options.watch.has("aave-v3") && deployment.aave) {
      this.aaveIndex = new AaveBorrowerIndex(deployment.aave.pool, start, options.logChunkBlocks);
    }
    if (options.watch.has("morpho-blue") && deployment.morpho) {
      this.morphoIndex = new MorphoBorrowerIndex(deployment.morpho.morpho, [deployment.morpho.marketId], start, options.logChunkBlocks);
    }
    this.feeds = Object.values(deployment.tokens).map((t) => ({
      token: getAddress(t.address),
      symbol: t.symbol,
      decimals: t.decimals,
      feed: deployment.feeds[t.symbol],
    }));
    this.pairs =
      options.watch.has("uniswap-v2") && deployment.uniswapV2
        ? Object.entries(deployment.uniswapV2.pairs).map(([name, p]) => ({ name, address: p.address, token0: p.token0, token1: p.token1 }))
        : [];
    // V3 pools are read when V3 is watched and also when V2 is, since they can fund a V2 rebalance.
    this.pools =
      (options.watch.has("uniswap-v3") || options.watch.has("uniswap-v2")) && deployment.uniswapV3
        ? Object.entries(deployment.uniswapV3.pools).map(([name, p]) => ({ name, ...p }))
        : [];
  }

  /**
   * Aave accounts are re-read only when they could have changed enough to matter: an account read at health
   * factor h under prices P0 has, under prices P1, a health factor of at least h x min(P1/P0) / max(P1/P0) over
   * the reserves (collateral can only lose what its price lost, debt only gain what its price gained). Accounts
   * whose bound stays above REREAD_HF keep their last reading; accounts named by a pool event, new ones, and all
   * of them every `fullRefreshBlocks` blocks (interest, aToken transfers) are read again.
   */
  private readonly aaveCache = new Map<Address, { account: AaveAccountState; prices: Map<Address, bigint>; block: bigint }>();
  private lastFullAaveRead = -1n;
  /** aTokens of the reserves last read: their BalanceTransfer events mark the sender for a re-read. */
  private aTokens: Address[] = [];
  /** Risk parameters last read, by asset: a governance change to them forces a full re-read. */
  private reserveParams = new Map<Address, string>();
  private lastAccountsRead = 0;

  private async readAave(block: bigint, touched: readonly Address[], at: { blockNumber: bigint; chunkSize?: number }): Promise<AaveState> {
    const aave = this.deployment.aave!;
    const reserves = await readAaveReserves(this.client, { pool: aave.pool, oracle: aave.oracle, ...at });
    const params = new Map(reserves.map((r) => [r.asset, `${r.ltv}:${r.liquidationThreshold}:${r.liquidationBonus}:${r.decimals}`]));
    const paramsChanged = [...params].some(([asset, p]) => this.reserveParams.get(asset) !== p);
    this.reserveParams = params;
    this.aTokens = reserves.map((r) => r.aToken);
    const full = paramsChanged || this.lastFullAaveRead < 0n || block - this.lastFullAaveRead >= BigInt(this.options.fullRefreshBlocks ?? 50);
    const dirty = new Set(touched);
    const prices = new Map(reserves.map((r) => [r.asset, r.priceBase]));
    const toRead = [...this.aaveIndex!.borrowers].filter((u) => {
      const c = this.aaveCache.get(u);
      if (full || !c || dirty.has(u)) return true;
      if (c.account.totalDebtBase === 0n) return false;
      let minRatio = WAD;
      let maxRatio = WAD;
      for (const [asset, p1] of prices) {
        const p0 = c.prices.get(asset);
        if (!p0) return true;
        const r = (p1 * WAD) / p0;
        if (r < minRatio) minRatio = r;
        if (r > maxRatio) maxRatio = r;
      }
      return (c.account.healthFactor * minRatio) / maxRatio < REREAD_HF;
    });
    const { accounts, positions } = await readAaveAccounts(this.client, { pool: aave.pool, reserves, users: toRead, ...at });
    for (const a of accounts) this.aaveCache.set(a.user, { account: a, prices, block });
    if (full) this.lastFullAaveRead = block;
    this.lastAccountsRead = toRead.length;
    return { pool: aave.pool, reserves, accounts: [...this.aaveCache.values()].map((c) => c.account), positions };
  }

  /** Borrowers known so far. */
  get aaveBorrowers(): ReadonlySet<Address> {
    return this.aaveIndex?.borrowers ?? new Set();
  }

  /** Re-scan events from `block` on, after a reorg. */
  rewindTo(block: bigint): void {
    this.aaveIndex?.rewindTo(block);
    this.morphoIndex?.rewindTo(block);
  }

  /** Reads the world at `blockNumber` (default: the current head) into a frozen Snapshot. */
  async snapshot(blockNumber?: bigint): Promise<Snapshot> {
    const t0 = performance.now();
    const block = await this.client.getBlock(blockNumber === undefined ? { blockTag: "latest" } : { blockNumber });
    const at = { blockNumber: block.number!, chunkSize: this.options.multicallChunk };
    const [newBorrowers, newMorpho] = await Promise.all([
      this.aaveIndex ? this.aaveIndex.update(this.client, block.number!, this.aTokens) : Promise.resolve({ fresh: [], touched: [] }),
      this.morphoIndex ? this.morphoIndex.update(this.client, block.number!) : Promise.resolve(0),
    ]);
    const morphoAddress = this.deployment.morpho?.morpho;
    const [prices, aave, morpho, v2Pairs, v3Pools, balances, morphoBalances] = await Promise.all([
      readPrices(this.client, this.feeds, at),
      this.aaveIndex && this.deployment.aave ? this.readAave(block.number!, newBorrowers.touched, at) : Promise.resolve(undefined),
      this.morphoIndex && this.deployment.morpho
        ? readMorphoState(this.client, {
            morpho: this.deployment.morpho.morpho,
            markets: [{ id: this.deployment.morpho.marketId, params: this.deployment.morpho.marketParams }],
            borrowers: this.morphoIndex.borrowers,
            timestamp: block.timestamp,
            ...at,
          })
        : Promise.resolve(undefined),
      readV2Pairs(this.client, this.pairs, at),
      readV3Pools(this.client, this.pools, at),
      this.options.executor
        ? readBatched<bigint>(
            this.client,
            this.feeds.map((f) => ({ address: f.token, abi: erc20BalanceAbi, functionName: "balanceOf", args: [this.options.executor] })),
            at,
          )
        : Promise.resolve([]),
      morphoAddress && this.options.watch.has("aave-v3")
        ? readBatched<bigint>(
            this.client,
            this.feeds.map((f) => ({ address: f.token, abi: erc20BalanceAbi, functionName: "balanceOf", args: [morphoAddress] })),
            at,
          )
        : Promise.resolve([]),
    ]);
    const morphoLiquidity: Record<Address, bigint> = {};
    morphoBalances.forEach((r, i) => {
      if (r.ok) morphoLiquidity[this.feeds[i].token] = r.value;
    });
    const inventory: Record<Address, bigint> = {};
    balances.forEach((r, i) => {
      if (r.ok) inventory[this.feeds[i].token] = r.value;
    });
    const byToken: Record<Address, TokenPrice> = {};
    for (const p of prices) byToken[p.token] = p;
    return freezeSnapshot({
      blockNumber: block.number!,
      blockHash: block.hash!,
      timestamp: block.timestamp,
      baseFeePerGas: block.baseFeePerGas ?? 0n,
      prices: byToken,
      aave,
      morpho,
      v2Pairs,
      v3Pools,
      inventory,
      morphoLiquidity,
      stats: { readMs: performance.now() - t0, borrowersWatched: this.aaveIndex?.borrowers.size ?? 0, newBorrowers: newBorrowers.fresh.length + newMorpho,
        aaveAccountsRead: this.lastAccountsRead,
        morphoBorrowersWatched: this.morphoIndex?.size ?? 0,
      },
    });
  }
}
