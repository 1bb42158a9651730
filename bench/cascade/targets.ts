/**
 * Which positions are underwater at a block, read straight from the protocols (Aave getUserAccountData, Morpho
 * position + market + oracle), independently of the keeper's watcher: the bench's ground truth.
 */
import type { Address, Chain, PublicClient, Transport } from "viem";
import { aavePoolAbi } from "../../src/protocols/aaveV3/abi.js";
import { morphoAbi, morphoOracleAbi } from "../../src/protocols/morphoBlue/abi.js";
import { morphoPositionHealth } from "../../src/risk/morpho/health.js";
import { tokenAmountToUsd } from "../../src/risk/profit.js";
import type { TokenSymbol, World } from "../../src/world/index.js";

/** One position under 1.0 health factor. */
export interface Underwater {
  protocol: "aave-v3" | "morpho-blue";
  borrower: Address;
  /** USD, 8 decimals. */
  debtUsd8: bigint;
}

/** Reads per multicall: the bench's own reads stay off the keeper's proxy, any size is fine. */
const CHUNK = 250;

/**
 * Every position with a health factor under 1 at `blockNumber`. Aave's debt is its base currency (USD, 8
 * decimals, the world's feeds); Morpho's is the loan token at its feed price.
 */
export async function underwaterAt(
  client: PublicClient<Transport, Chain>,
  world: World,
  blockNumber: bigint,
  prices: Record<TokenSymbol, bigint>,
): Promise<Underwater[]> {
  const out: Underwater[] = [];
  const aave = world.borrowers.aave;
  for (let i = 0; i < aave.length; i += CHUNK) {
    const slice = aave.slice(i, i + CHUNK);
    const res = await client.multicall({
      contracts: slice.map(
        (b) => ({ address: world.aave.pool, abi: aavePoolAbi, functionName: "getUserAccountData", args: [b] }) as const,
      ),
      allowFailure: false,
      blockNumber,
    });
    res.forEach((d, j) => {
      const [, totalDebtBase, , , , healthFactor] = d as readonly bigint[];
      if (totalDebtBase > 0n && healthFactor < 10n ** 18n)
        out.push({ protocol: "aave-v3", borrower: slice[j], debtUsd8: totalDebtBase });
    });
  }
  const m = world.morpho;
  const [market, collateralPrice] = await Promise.all([
    client.readContract({ address: m.morpho, abi: morphoAbi, functionName: "market", args: [m.marketId], blockNumber }),
    client.readContract({ address: m.marketParams.oracle, abi: morphoOracleAbi, functionName: "price", blockNumber }),
  ]);
  const totals = { totalBorrowAssets: market[2], totalBorrowShares: market[3] };
  const loan = Object.values(world.tokens).find(
    (t) => t.address.toLowerCase() === m.marketParams.loanToken.toLowerCase(),
  )!;
  const morpho = world.borrowers.morpho;
  for (let i = 0; i < morpho.length; i += CHUNK) {
    const slice = morpho.slice(i, i + CHUNK);
    const res = await client.multicall({
      contracts: slice.map(
        (b) => ({ address: m.morpho, abi: morphoAbi, functionName: "position", args: [m.marketId, b] }) as const,
      ),
      allowFailure: false,
      blockNumber,
    });
    res.forEach((pos, j) => {
      const [, borrowShares, collateral] = pos as readonly [bigint, bigint, bigint];
      if (borrowShares === 0n) return;
      const h = morphoPositionHealth({
        position: { borrowShares, collateral },
        market: totals as never,
        collateralPrice,
        lltv: m.marketParams.lltv,
      });
      if (!h.healthy)
        out.push({
          protocol: "morpho-blue",
          borrower: slice[j],
          debtUsd8: tokenAmountToUsd(h.borrowed, loan.decimals, prices[loan.symbol]),
        });
    });
  }
  return out;
}
