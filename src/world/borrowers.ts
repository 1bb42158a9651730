import { parseAbi, parseEventLogs, type Abi, type Address } from "viem";
import { aavePoolAbi } from "../protocols/aaveV3/abi.js";
import { loadOwnArtifact } from "../chain/artifacts.js";
import { KeeperError } from "../errors.js";
import { liquidationThresholdBps, ltvBps } from "./aave.js";
import { morphoMarketId } from "./morpho.js";
import { amountForUsd } from "./prices.js";
import { send } from "./tx.js";
import type { TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

export const positionFactoryArtifact = () => loadOwnArtifact("contracts/test/PositionFactory.sol", "PositionFactory");

/**
 * One Aave borrower to open: `collateralUsd` of `collateral` (USD, 8 decimals) and a debt in `debt` sized for the
 * health factor in bps (10000 = 1.0). Optional: more collaterals, part of the debt in other assets, an eMode
 * category entered before borrowing (the LTs then count at the category's).
 */
export interface AaveBorrowerSpec {
  collateral: TokenSymbol;
  debt: TokenSymbol;
  collateralUsd: bigint;
  healthFactorBps: bigint;
  /** Further collaterals and their USD value (8 decimals), supplied after `collateral`. */
  moreCollateral?: { symbol: TokenSymbol; usd: bigint }[];
  /** Further debt assets, each taking `shareBps` of the total debt; `debt` takes the rest. */
  moreDebt?: { symbol: TokenSymbol; shareBps: bigint }[];
  /** eMode category to enter before borrowing; 0 or absent for none. */
  eModeCategory?: number;
}

/**
 * One Morpho borrower: collateral value (USD, 8 decimals) and health factor (bps) in one market: `market` indexes
 * world.morpho.markets; absent means world.morpho.marketParams (the first market).
 */
export interface MorphoBorrowerSpec {
  collateralUsd: bigint;
  healthFactorBps: bigint;
  market?: number;
}

/**
 * Positions per transaction, in "legs" (a supply or a borrow, about 225k gas each on Aave), under the 2^24 gas cap:
 * 50 legs is 25 one-collateral one-debt positions. A Morpho open costs about 250k.
 */
const AAVE_BATCH_LEGS = 50;
const MORPHO_BATCH = 40;

/** All collaterals of a spec with their USD value. */
function collateralsOf(spec: AaveBorrowerSpec): { symbol: TokenSymbol; usd: bigint }[] {
  return [{ symbol: spec.collateral, usd: spec.collateralUsd }, ...(spec.moreCollateral ?? [])];
}

/**
 * The lowest health factor Aave lets a fresh borrower open at: borrowing is capped by LTV, so
 * HF >= sum(value x LT) / sum(value x LTV) (plus a margin for rounding and interest between blocks). Takes a
 * collateral symbol (a one-collateral position outside eMode) or a whole spec.
 */
export function minOpenHealthFactorBps(
  position: TokenSymbol | Pick<AaveBorrowerSpec, "collateral" | "collateralUsd" | "moreCollateral" | "eModeCategory">,
): bigint {
  const spec = typeof position === "string" ? { collateral: position, collateralUsd: 1n } : position;
  const e = spec.eModeCategory ?? 0;
  const all = collateralsOf(spec as AaveBorrowerSpec);
  const lt = all.reduce((s, c) => s + c.usd * BigInt(liquidationThresholdBps(c.symbol, e)), 0n);
  const ltv = all.reduce((s, c) => s + c.usd * BigInt(ltvBps(c.symbol, e)), 0n);
  return (lt * 10_000n) / ltv + 50n;
}

type AaveOpen = {
  eModeCategory: number;
  collaterals: { asset: Address; amount: bigint }[];
  debts: { asset: Address; amount: bigint }[];
};

/** Raw amounts of a spec at `prices`: the debt is sum(value x LT) / HF, split by the shares. */
function aaveAmounts(
  spec: AaveBorrowerSpec,
  tokens: Record<TokenSymbol, TokenInfo>,
  prices: Record<TokenSymbol, bigint>,
): AaveOpen {
  const e = spec.eModeCategory ?? 0;
  const collaterals = collateralsOf(spec);
  const weighted = collaterals.reduce((s, c) => s + c.usd * BigInt(liquidationThresholdBps(c.symbol, e)), 0n);
  const debtUsd = weighted / spec.healthFactorBps;
  const more = spec.moreDebt ?? [];
  const rest = 10_000n - more.reduce((s, d) => s + d.shareBps, 0n);
  const debts = [{ symbol: spec.debt, shareBps: rest }, ...more];
  return {
    eModeCategory: e,
    collaterals: collaterals.map((c) => ({
      asset: tokens[c.symbol].address,
      amount: amountForUsd(tokens[c.symbol], c.usd, prices[c.symbol]),
    })),
    debts: debts.map((d) => ({
      asset: tokens[d.symbol].address,
      amount: amountForUsd(tokens[d.symbol], (debtUsd * d.shareBps) / 10_000n, prices[d.symbol]),
    })),
  };
}

const aaveSupplyAbi = parseAbi([
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
]);
const morphoSupplyAbi = parseAbi([
  "struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }",
  "function supply(MarketParams marketParams, uint256 assets, uint256 shares, address onBehalf, bytes data) returns (uint256, uint256)",
]);
const morphoMarketAbi = parseAbi([
  "function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)",
]);
const tokenAbi = parseAbi([
  "function mint(address,uint256)",
  "function approve(address,uint256)",
  "function allowance(address,address) view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
]);

/**
 * Supplies, from the deployer, as much of each debt asset as a batch of borrowers is about to borrow, so a
 * world of any size keeps its lenders' liquidity (10,000 borrowers borrow more than the initial supply).
 */
async function supplyFor(
  clients: WorldClients,
  venue: Address,
  tokens: Record<TokenSymbol, TokenInfo>,
  batch: { debt: Address; debtAmount: bigint }[],
  supplyCall: (asset: Address, amount: bigint, me: Address) => { functionName: string; args: unknown[]; abi: Abi },
  liquidity: (asset: Address) => Promise<bigint>,
): Promise<void> {
  const me = clients.wallet.account.address;
  for (const t of Object.values(tokens)) {
    const wanted = batch.filter((b) => b.debt === t.address).reduce((s, b) => s + b.debtAmount, 0n);
    if (wanted === 0n) continue;
    // Only the shortfall (with a 10% margin) is supplied: the usual worlds never need a top-up.
    const available = await liquidity(t.address);
    if (available >= (wanted * 11n) / 10n) continue;
    const amount = (wanted * 11n) / 10n - available;
    await send(clients, { address: t.address, abi: tokenAbi, functionName: "mint", args: [me, amount] });
    const allowed = await clients.public.readContract({
      address: t.address,
      abi: tokenAbi,
      functionName: "allowance",
      args: [me, venue],
    });
    if (allowed < amount) {
      // A USDT-shaped token refuses a nonzero-to-nonzero approval: clear it first.
      if (allowed !== 0n)
        await send(clients, { address: t.address, abi: tokenAbi, functionName: "approve", args: [venue, 0n] });
      await send(clients, { address: t.address, abi: tokenAbi, functionName: "approve", args: [venue, amount] });
    }
    await send(clients, { address: venue, ...supplyCall(t.address, amount, me) });
  }
}

function openedBorrowers(logs: Parameters<typeof parseEventLogs>[0]["logs"]): Address[] {
  return parseEventLogs({ abi: positionFactoryArtifact().abi, logs, eventName: "BorrowerOpened" } as never).map(
    (l: any) => l.args.borrower as Address,
  );
}

/** Splits positions into transactions that stay under the gas cap, in order. */
function aaveBatches(positions: AaveOpen[]): AaveOpen[][] {
  const out: AaveOpen[][] = [];
  let current: AaveOpen[] = [];
  let legs = 0;
  for (const p of positions) {
    const l = p.collaterals.length + p.debts.length + (p.eModeCategory ? 1 : 0);
    if (current.length > 0 && legs + l > AAVE_BATCH_LEGS) {
      out.push(current);
      current = [];
      legs = 0;
    }
    current.push(p);
    legs += l;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Opens real Aave V3 positions, each in its own Borrower clone; returns the borrower addresses in spec order. */
export async function openAaveBorrowers(
  clients: WorldClients,
  world: Pick<World, "aave" | "tokens" | "helpers">,
  specs: AaveBorrowerSpec[],
  prices: Record<TokenSymbol, bigint>,
): Promise<Address[]> {
  const out: Address[] = [];
  for (const batch of aaveBatches(specs.map((s) => aaveAmounts(s, world.tokens, prices)))) {
    await supplyFor(
      clients,
      world.aave.pool,
      world.tokens,
      batch.flatMap((p) => p.debts.map((d) => ({ debt: d.asset, debtAmount: d.amount }))),
      (asset, amount, me) => ({
        functionName: "supply",
        args: [asset, amount, me, 0],
        abi: aaveSupplyAbi,
      }),
      async (asset) => {
        // What the pool can lend: the underlying its aToken holds.
        const { aTokenAddress } = await clients.public.readContract({
          address: world.aave.pool,
          abi: aavePoolAbi,
          functionName: "getReserveData",
          args: [asset],
        });
        return clients.public.readContract({
          address: asset,
          abi: tokenAbi,
          functionName: "balanceOf",
          args: [aTokenAddress],
        });
      },
    );
    const receipt = await send(clients, {
      address: world.helpers.positionFactory,
      abi: positionFactoryArtifact().abi,
      functionName: "openAave",
      args: [world.aave.pool, batch],
    });
    out.push(...openedBorrowers(receipt.logs));
  }
  return out;
}

/** The world token at `address`. */
function tokenAt(tokens: Record<TokenSymbol, TokenInfo>, address: Address): TokenInfo {
  const t = Object.values(tokens).find((x) => x.address === address);
  if (!t)
    throw new KeeperError(`Token ${address} is not one of the world's tokens.`, {
      metaMessages: ["Open Morpho borrowers only in markets of the world's tokens."],
    });
  return t;
}

/** Opens real Morpho Blue positions in the world's markets; returns the borrower addresses in spec order. */
export async function openMorphoBorrowers(
  clients: WorldClients,
  world: Pick<World, "morpho" | "tokens" | "helpers">,
  specs: MorphoBorrowerSpec[],
  prices: Record<TokenSymbol, bigint>,
): Promise<Address[]> {
  const out: Address[] = new Array(specs.length);
  const byMarket = new Map<number | undefined, number[]>();
  specs.forEach((s, i) => byMarket.set(s.market, [...(byMarket.get(s.market) ?? []), i]));
  for (const [m, indexes] of byMarket) {
    const market = m === undefined ? world.morpho.marketParams : world.morpho.markets[m]?.params;
    if (!market)
      throw new KeeperError(`Morpho market ${m} is not in world.morpho.markets.`, {
        metaMessages: [`The world has ${world.morpho.markets.length} markets: give an index below that.`],
      });
    const collateral = tokenAt(world.tokens, market.collateralToken);
    const loan = tokenAt(world.tokens, market.loanToken);
    for (let i = 0; i < indexes.length; i += MORPHO_BATCH) {
      const chunk = indexes.slice(i, i + MORPHO_BATCH);
      const batch = chunk.map((k) => {
        const s = specs[k];
        const debtUsd = (((s.collateralUsd * market.lltv) / 10n ** 18n) * 10_000n) / s.healthFactorBps;
        return {
          collateralAmount: amountForUsd(collateral, s.collateralUsd, prices[collateral.symbol]),
          debtAmount: amountForUsd(loan, debtUsd, prices[loan.symbol]),
        };
      });
      await supplyFor(
        clients,
        world.morpho.morpho,
        world.tokens,
        batch.map((b) => ({ debt: loan.address, debtAmount: b.debtAmount })),
        (_asset, amount, me) => ({
          functionName: "supply",
          args: [market, amount, 0n, me, "0x"],
          abi: morphoSupplyAbi,
        }),
        async () => {
          // What this market can lend: Morpho pools every market's tokens in one balance, so read the market.
          const [supplied, , borrowed] = await clients.public.readContract({
            address: world.morpho.morpho,
            abi: morphoMarketAbi,
            functionName: "market",
            args: [morphoMarketId(market)],
          });
          return supplied - borrowed;
        },
      );
      const receipt = await send(clients, {
        address: world.helpers.positionFactory,
        abi: positionFactoryArtifact().abi,
        functionName: "openMorpho",
        args: [world.morpho.morpho, market, batch],
      });
      openedBorrowers(receipt.logs).forEach((b, j) => (out[chunk[j]] = b));
    }
  }
  return out;
}
