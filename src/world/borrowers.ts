import { parseAbi, parseEventLogs, type Abi, type Address } from "viem";
import { aavePoolAbi } from "../protocols/aaveV3/abi.js";
import { loadOwnArtifact } from "../chain/artifacts.js";
import { AAVE_RESERVE_CONFIG } from "./aave.js";
import { MORPHO_LLTV } from "./morpho.js";
import { amountForUsd } from "./prices.js";
import { seededRandom } from "./random.js";
import { send } from "./tx.js";
import type { TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

export const positionFactoryArtifact = () => loadOwnArtifact("contracts/test/PositionFactory.sol", "PositionFactory");

/** One Aave borrower to open: collateral value in USD (8 decimals) and the health factor in bps (10000 = 1.0). */
export interface AaveBorrowerSpec {
  collateral: TokenSymbol;
  debt: TokenSymbol;
  collateralUsd: bigint;
  healthFactorBps: bigint;
}

/** One Morpho borrower in the world's market (WETH collateral, USDC loan). */
export interface MorphoBorrowerSpec {
  collateralUsd: bigint;
  healthFactorBps: bigint;
}

/** Positions per transaction: an Aave open costs about 450k gas, a Morpho one about 250k, under the 2^24 cap. */
const AAVE_BATCH = 25;
const MORPHO_BATCH = 40;

/**
 * The lowest health factor Aave lets a fresh borrower open at: borrowing is capped by LTV, so
 * HF >= liquidationThreshold / LTV (plus a margin for rounding and interest between blocks).
 */
export function minOpenHealthFactorBps(collateral: TokenSymbol): bigint {
  const c = AAVE_RESERVE_CONFIG[collateral];
  return (BigInt(c.liquidationThreshold) * 10_000n) / BigInt(c.ltv) + 50n;
}

/** A reproducible spread of Aave borrowers: 70% WETH / 30% WBTC collateral, USDC debt, $300 to $300k, HF up to 1.8. */
export function aaveBorrowerSpread(count: number, seed: number): AaveBorrowerSpec[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const collateral: TokenSymbol = rand() < 0.7 ? "WETH" : "WBTC";
    const usd = Math.exp(Math.log(300) + rand() * (Math.log(300_000) - Math.log(300)));
    const min = Number(minOpenHealthFactorBps(collateral));
    return {
      collateral,
      debt: "USDC",
      collateralUsd: BigInt(Math.round(usd * 100)) * 10n ** 6n,
      healthFactorBps: BigInt(Math.round(min + rand() * (18_000 - min))),
    };
  });
}

/** A reproducible spread of Morpho borrowers: $300 to $300k of WETH, HF 1.01 to 1.8. */
export function morphoBorrowerSpread(count: number, seed: number): MorphoBorrowerSpec[] {
  const rand = seededRandom(seed ^ 0x5eed);
  return Array.from({ length: count }, () => ({
    collateralUsd:
      BigInt(Math.round(Math.exp(Math.log(300) + rand() * (Math.log(300_000) - Math.log(300))) * 100)) * 10n ** 6n,
    healthFactorBps: BigInt(Math.round(10_100 + rand() * 7_900)),
  }));
}

function aaveAmounts(
  spec: AaveBorrowerSpec,
  tokens: Record<TokenSymbol, TokenInfo>,
  prices: Record<TokenSymbol, bigint>,
) {
  const lt = BigInt(AAVE_RESERVE_CONFIG[spec.collateral].liquidationThreshold);
  const debtUsd = (spec.collateralUsd * lt) / spec.healthFactorBps;
  return {
    collateral: tokens[spec.collateral].address,
    collateralAmount: amountForUsd(tokens[spec.collateral], spec.collateralUsd, prices[spec.collateral]),
    debt: tokens[spec.debt].address,
    debtAmount: amountForUsd(tokens[spec.debt], debtUsd, prices[spec.debt]),
  };
}

const aaveSupplyAbi = parseAbi([
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
]);
const morphoSupplyAbi = parseAbi([
  "struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }",
  "function supply(MarketParams marketParams, uint256 assets, uint256 shares, address onBehalf, bytes data) returns (uint256, uint256)",
]);
const mintApproveAbi = parseAbi(["function mint(address,uint256)", "function approve(address,uint256) returns (bool)"]);
const balanceAbi = parseAbi(["function balanceOf(address) view returns (uint256)"]);

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
  holder: (asset: Address) => Promise<Address>,
): Promise<void> {
  const me = clients.wallet.account.address;
  for (const t of Object.values(tokens)) {
    const wanted = batch.filter((b) => b.debt === t.address).reduce((s, b) => s + b.debtAmount, 0n);
    if (wanted === 0n) continue;
    // Only the shortfall (with a 10% margin) is supplied: the usual worlds never need a top-up.
    const available = await clients.public.readContract({
      address: t.address,
      abi: balanceAbi,
      functionName: "balanceOf",
      args: [await holder(t.address)],
    });
    if (available >= (wanted * 11n) / 10n) continue;
    const amount = (wanted * 11n) / 10n - available;
    await send(clients, { address: t.address, abi: mintApproveAbi, functionName: "mint", args: [me, amount] });
    await send(clients, { address: t.address, abi: mintApproveAbi, functionName: "approve", args: [venue, amount] });
    await send(clients, { address: venue, ...supplyCall(t.address, amount, me) });
  }
}

function openedBorrowers(logs: Parameters<typeof parseEventLogs>[0]["logs"]): Address[] {
  return parseEventLogs({ abi: positionFactoryArtifact().abi, logs, eventName: "BorrowerOpened" } as never).map(
    (l: any) => l.args.borrower as Address,
  );
}

/** Opens real Aave V3 positions, each in its own Borrower clone; returns the borrower addresses in spec order. */
export async function openAaveBorrowers(
  clients: WorldClients,
  world: Pick<World, "aave" | "tokens" | "helpers">,
  specs: AaveBorrowerSpec[],
  prices: Record<TokenSymbol, bigint>,
): Promise<Address[]> {
  const out: Address[] = [];
  for (let i = 0; i < specs.length; i += AAVE_BATCH) {
    const batch = specs.slice(i, i + AAVE_BATCH).map((s) => aaveAmounts(s, world.tokens, prices));
    await supplyFor(
      clients,
      world.aave.pool,
      world.tokens,
      batch,
      (asset, amount, me) => ({
        functionName: "supply",
        args: [asset, amount, me, 0],
        abi: aaveSupplyAbi,
      }),
      async (asset) =>
        (
          await clients.public.readContract({
            address: world.aave.pool,
            abi: aavePoolAbi,
            functionName: "getReserveData",
            args: [asset],
          })
        ).aTokenAddress,
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

/** Opens real Morpho Blue positions in the world's market; returns the borrower addresses in spec order. */
export async function openMorphoBorrowers(
  clients: WorldClients,
  world: Pick<World, "morpho" | "tokens" | "helpers">,
  specs: MorphoBorrowerSpec[],
  prices: Record<TokenSymbol, bigint>,
): Promise<Address[]> {
  const out: Address[] = [];
  const { WETH, USDC } = world.tokens;
  for (let i = 0; i < specs.length; i += MORPHO_BATCH) {
    const batch = specs.slice(i, i + MORPHO_BATCH).map((s) => {
      const debtUsd = (((s.collateralUsd * MORPHO_LLTV) / 10n ** 18n) * 10_000n) / s.healthFactorBps;
      return {
        collateralAmount: amountForUsd(WETH, s.collateralUsd, prices.WETH),
        debtAmount: amountForUsd(USDC, debtUsd, prices.USDC),
      };
    });
    const market = world.morpho.marketParams;
    await supplyFor(
      clients,
      world.morpho.morpho,
      world.tokens,
      batch.map((b) => ({ debt: USDC.address, debtAmount: b.debtAmount })),
      (asset, amount, me) => ({
        functionName: "supply",
        args: [market, amount, 0n, me, "0x"],
        abi: morphoSupplyAbi,
      }),
      async () => world.morpho.morpho,
    );
    const receipt = await send(clients, {
      address: world.helpers.positionFactory,
      abi: positionFactoryArtifact().abi,
      functionName: "openMorpho",
      args: [world.morpho.morpho, world.morpho.marketParams, batch],
    });
    out.push(...openedBorrowers(receipt.logs));
  }
  return out;
}
