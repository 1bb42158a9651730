import type { Address } from "viem";
import { readBatched } from "../../chain/multicall.js";
import type { ReadAt, ReadClient, ReaderOptions, ProtocolReader } from "../module.js";
import { aavePoolAbi } from "./abi.js";
import { AaveBorrowerIndex } from "./discover.js";
import { readAaveEModeCategories } from "./emode.js";
import { readAaveAccounts, readAaveReserves, type AaveAccountState, type AaveState } from "./read.js";
import type { AaveSection } from "./schema.js";

const WAD = 10n ** 18n;
/** Accounts whose health factor may have fallen under this since their last reading are read again. */
const REREAD_HF = (105n * WAD) / 100n;

/**
 * A floor on the health factor of an account read at `c.prices`, at `prices`: h x min(P1/P0) / max(P1/P0) over the
 * reserves; undefined when a reserve has no price of its last reading (a new reserve: no floor).
 */
function healthFloor(
  c: { account: AaveAccountState; prices: Map<Address, bigint> },
  prices: ReadonlyMap<Address, bigint>,
): bigint | undefined {
  let minRatio = WAD;
  let maxRatio = WAD;
  for (const [asset, p1] of prices) {
    const p0 = c.prices.get(asset);
    if (!p0) return undefined;
    const r = (p1 * WAD) / p0;
    if (r < minRatio) minRatio = r;
    if (r > maxRatio) maxRatio = r;
  }
  return (c.account.healthFactor * minRatio) / maxRatio;
}

/**
 * Aave's reader: borrowers discovered from pool events, accounts re-read only when they could have changed enough
 * to matter. An account read at health factor h under prices P0 has, under prices P1, a health factor of at least
 * h x min(P1/P0) / max(P1/P0) over the reserves (collateral can only lose what its price lost, debt only gain what
 * its price gained). Accounts whose bound stays above REREAD_HF keep their last reading; accounts named by a pool
 * event, new ones, and all of them every `fullRefreshBlocks` blocks (interest, aToken transfers) are read again.
 */
export class AaveReader implements ProtocolReader {
  private readonly index: AaveBorrowerIndex;
  private readonly cache = new Map<
    Address,
    { account: AaveAccountState; prices: Map<Address, bigint>; block: bigint }
  >();
  private lastFullRead = -1n;
  /** aTokens of the reserves last read: their BalanceTransfer events mark the sender for a re-read. */
  private aTokens: Address[] = [];
  /** Risk parameters last read, by asset (and eMode category): a governance change to them forces a full re-read. */
  private reserveParams = new Map<string, string>();
  private lastAccountsRead = 0;
  /** The reserves list last read: this block's list, data and prices are read in one round from it. */
  private assets?: Address[];
  private lastFresh = 0;
  private flashLoanPremiumBps?: bigint;
  /** Ids of the eMode categories read every block: those found by the first read's scan, and those of accounts
   *  seen under HF 1. */
  private eModeIds: number[] = [];

  constructor(
    private readonly section: AaveSection,
    private readonly options: ReaderOptions,
  ) {
    this.index = new AaveBorrowerIndex(section.pool, options.startBlock, options.logChunkBlocks, options.discovery);
  }

  /** Borrowers known so far. */
  get borrowers(): ReadonlySet<Address> {
    return this.index.borrowers;
  }

  async read(client: ReadClient, at: ReadAt): Promise<{ aave: AaveState }> {
    const batch = { blockNumber: at.blockNumber, chunkSize: at.chunkSize, coalescer: at.coalescer };
    const scheduledFull =
      this.lastFullRead < 0n || at.blockNumber - this.lastFullRead >= BigInt(this.options.fullRefreshBlocks ?? 50);
    // The first read scans all 255 ids (a category has no counter); later ones read those in use under HF 1.
    const scan = this.lastFullRead < 0n;
    // Round 1 (one wave): discovery and the reserves (list, data, prices) from last block's list; round 2: the
    // accounts to re-read, with the details of those likely under HF 1.
    const [{ fresh, touched }, reserves, premium, categories] = await Promise.all([
      this.index.update(client, at.blockNumber, this.aTokens, at.coalescer),
      readAaveReserves(client, { pool: this.section.pool, oracle: this.section.oracle, assets: this.assets, ...batch }),
      // The flash-loan premium rides in the same wave (no request of its own); governance rarely changes it.
      readBatched<bigint>(
        client,
        [{ address: this.section.pool, abi: aavePoolAbi, functionName: "FLASHLOAN_PREMIUM_TOTAL" }],
        batch,
      ),
      readAaveEModeCategories(client, {
        pool: this.section.pool,
        ...(scan ? {} : { ids: this.eModeIds }),
        ...batch,
      }),
    ]);
    if (premium[0]?.ok) this.flashLoanPremiumBps = premium[0].value;
    this.lastFresh = fresh.length;
    const params = new Map<string, string>([
      ...reserves.map((r): [string, string] => [
        r.asset,
        `${r.ltv}:${r.liquidationThreshold}:${r.liquidationBonus}:${r.decimals}`,
      ]),
      // A category's thresholds or assets moving changes its users' health like a reserve's do.
      ...categories.map((c): [string, string] => [
        `emode:${c.id}`,
        `${c.ltv}:${c.liquidationThreshold}:${c.liquidationBonus}:${c.collateralBitmap}:${c.ltvzeroBitmap}`,
      ]),
    ]);
    const paramsChanged = [...params].some(([asset, p]) => this.reserveParams.get(asset) !== p);
    this.reserveParams = params;
    this.aTokens = reserves.map((r) => r.aToken);
    this.assets = reserves.map((r) => r.asset);
    const block = at.blockNumber;
    const full = paramsChanged || scheduledFull;
    const dirty = new Set(touched);
    const prices = new Map(reserves.map((r) => [r.asset, r.priceBase]));
    const toRead: Address[] = [];
    const likelyUnder: { user: Address; bound: bigint }[] = [];
    for (const u of this.index.borrowers) {
      const c = this.cache.get(u);
      const bound = c ? healthFloor(c, prices) : undefined;
      // Its details are read with its account data when the health factor may now be under 1.
      if (bound !== undefined && c!.account.totalDebtBase > 0n && bound < WAD) likelyUnder.push({ user: u, bound });
      if (full || !c || dirty.has(u)) toRead.push(u);
      else if (c.account.totalDebtBase > 0n && (bound === undefined || bound < REREAD_HF)) toRead.push(u);
    }
    const { accounts, positions, eModeCategories } = await readAaveAccounts(client, {
      pool: this.section.pool,
      reserves,
      users: toRead,
      dataProvider: this.section.dataProvider,
      eModeCategories: categories,
      detailFor: likelyUnder.sort((a, b) => (a.bound < b.bound ? -1 : a.bound > b.bound ? 1 : 0)).map((x) => x.user),
      ...batch,
    });
    for (const a of accounts) this.cache.set(a.user, { account: a, prices, block });
    if (full) this.lastFullRead = block;
    // Every block reads the categories of the accounts under HF 1 (known after the first scan); a category new to
    // them is read in the same block, one small round more.
    this.eModeIds = [
      ...new Set(
        accounts
          .map((a) => a.eModeCategory ?? 0)
          .filter((id) => id !== 0)
          .concat(scan ? eModeCategories.map((c) => c.id) : this.eModeIds),
      ),
    ];
    this.lastAccountsRead = toRead.length;
    return {
      aave: {
        pool: this.section.pool,
        reserves,
        eModeCategories,
        accounts: [...this.cache.values()].map((c) => c.account),
        positions,
        ...(this.flashLoanPremiumBps === undefined ? {} : { flashLoanPremiumBps: this.flashLoanPremiumBps }),
      },
    };
  }

  rewindTo(block: bigint): void {
    this.index.rewindTo(block);
  }

  stats(): Record<string, number> {
    return {
      borrowersWatched: this.index.borrowers.size,
      newBorrowers: this.lastFresh,
      aaveAccountsRead: this.lastAccountsRead,
    };
  }
}
