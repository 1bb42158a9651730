/**
 * Property test: src/risk's Morpho Blue liquidation math against the REAL Morpho Blue (compiled from
 * @morpho-org/morpho-blue 1.0.0's sources) of the world.
 *
 * Three markets on the world's Morpho, WETH collateral / USDC loan, priced by the world's FeedOracle:
 * - the world's market (LLTV 86%, no IRM: no interest);
 * - LLTV 94.5% and LLTV 62.5%, each with a constant-rate IRM (random rate, ~1-40% APR), the first with a 10%
 *   fee, so interest and fee shares accrue between blocks and the share price drifts away from 1e-6.
 * Random positions are opened, then in rounds the WETH price is dropped at random and every position gets a
 * random liquidation: the largest one (morphoMaxLiquidation), a random seizedAssets (morphoLiquidationFromSeized)
 * or random repaidShares (morphoLiquidationFromShares). The market is read with readMorphoState accrued to a
 * timestamp T, the liquidation is mined at exactly T, and the outcome must match to the wei: the Liquidate event
 * (repaidAssets, repaidShares, seizedAssets, badDebtAssets, badDebtShares - the first and third are liquidate's
 * return values), the liquidator's USDC and WETH moves, the position and market totals after. Our predicted
 * reverts (healthy position, seizing more than the collateral, repaying more shares than owed) must be the
 * chain's reverts, and the maximal liquidation must be maximal: one more wei of collateral reverts on chain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  concatHex,
  getAddress,
  maxUint256,
  numberToHex,
  parseAbi,
  parseEventLogs,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { readMorphoState } from "../../src/protocols/morphoBlue/read.js";
import {
  morphoIsHealthy,
  morphoLiquidationFromSeized,
  morphoLiquidationFromShares,
  morphoMaxLiquidation,
  toAssetsUp,
  zeroFloorSub,
  type MorphoLiquidationAmounts,
  type MorphoMarketState,
} from "../../src/risk/index.js";
import { openMorphoBorrowers } from "../../src/world/borrowers.js";
import { morphoArtifact } from "../../src/world/morpho.js";
import {
  DEFAULT_PRICES,
  createMorphoBorrower,
  deployWorld,
  getPrices,
  morphoMarketId,
  setPrice,
  type MorphoMarketParams,
  type World,
} from "../../src/world/index.js";
import { Prng } from "../unit/risk/prng.js";
import { latestTimestamp, mineBlock, revertTo, rpc, sendOk, sendTx, setNextTimestamp, snapshot } from "./chain.js";

const SEED = 0x3090;
const BORROWERS_PER_MARKET = 14;
const ROUNDS = 4;
const WAD = 10n ** 18n;

const liquidateEventAbi = parseAbi([
  "event Liquidate(bytes32 indexed id, address indexed caller, address indexed borrower, uint256 repaidAssets, uint256 repaidShares, uint256 seizedAssets, uint256 badDebtAssets, uint256 badDebtShares)",
]);
const tokenAbi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function mint(address,uint256)",
  "function approve(address,uint256) returns (bool)",
]);

/** An IRM that answers every call (borrowRate, borrowRateView) with the same per-second rate: 15 bytes of EVM. */
function constantRateIrmCode(ratePerSecond: bigint): Hex {
  // PUSH32 rate, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
  return concatHex(["0x7f", numberToHex(ratePerSecond, { size: 32 }), "0x6000526020" as Hex, "0x6000f3" as Hex]);
}

interface MarketUnderTest {
  name: string;
  id: Hex;
  params: MorphoMarketParams;
  borrowers: Address[];
}

describe("Morpho Blue risk math vs the real Morpho Blue (property)", () => {
  let chain: InProcessChain;
  let world: World;
  let liquidator: InProcessChain["wallet"];
  let morphoAbi: Abi;
  const markets: MarketUnderTest[] = [];

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    liquidator = chain.accounts[1];
    morphoAbi = morphoArtifact().abi;
    const prng = new Prng(SEED ^ 0x1111);
    const morpho = world.morpho.morpho;
    const { USDC, WETH } = world.tokens;
    const owner = chain.wallet;
    const M = (functionName: string, args: unknown[]) =>
      sendOk(chain, owner, { address: morpho, abi: morphoAbi, functionName, args });

    await M("setFeeRecipient", [chain.accounts[9].account.address]);
    await sendOk(chain, owner, {
      address: USDC.address,
      abi: tokenAbi,
      functionName: "mint",
      args: [owner.account.address, 10n ** 15n],
    });
    const worldMarket: MarketUnderTest = {
      name: "world LLTV 86% no IRM",
      id: world.morpho.marketId,
      params: world.morpho.marketParams,
      borrowers: [],
    };
    markets.push(worldMarket);
    const extra = [
      { lltv: 945_000_000_000_000_000n, fee: WAD / 10n, irm: "0x00000000000000000000000000000000001e0001" as Address },
      { lltv: 625_000_000_000_000_000n, fee: 0n, irm: "0x00000000000000000000000000000000001e0002" as Address },
    ];
    for (const e of extra) {
      // ~1% .. ~40% APR, per second in wad.
      const rate = prng.bigint(300_000_000n, 12_700_000_000n);
      await rpc(chain, "hardhat_setCode", [e.irm, constantRateIrmCode(rate)]);
      await M("enableIrm", [e.irm]);
      // The world may have enabled this LLTV for its own markets already (Morpho refuses to enable it twice).
      const enabled = await chain.public.readContract({
        address: morpho,
        abi: morphoAbi,
        functionName: "isLltvEnabled",
        args: [e.lltv],
      });
      if (!enabled) await M("enableLltv", [e.lltv]);
      const params: MorphoMarketParams = {
        loanToken: USDC.address,
        collateralToken: WETH.address,
        oracle: world.morpho.oracle,
        irm: e.irm,
        lltv: e.lltv,
      };
      await M("createMarket", [params]);
      if (e.fee > 0n) await M("setFee", [params, e.fee]);
      await M("supply", [params, 50_000_000n * 10n ** 6n, 0n, owner.account.address, "0x"]);
      markets.push({
        name: `LLTV ${Number(e.lltv / 10n ** 13n) / 100}% rate ${rate}/s fee ${e.fee}`,
        id: morphoMarketId(params),
        params,
        borrowers: [],
      });
    }

    // Positions at HF 1.01 .. 1.35, $300 .. $3M, opened in two waves a random time apart so interest moves the
    // share price between them.
    for (let wave = 0; wave < 2; wave++) {
      const prices = await getPrices(chain, world);
      for (const m of markets) {
        const n = wave === 0 ? Math.ceil(BORROWERS_PER_MARKET / 2) : Math.floor(BORROWERS_PER_MARKET / 2);
        // openMorphoBorrowers sizes the debt for the market's own LLTV.
        const specs = Array.from({ length: n }, () => {
          const hf = prng.bigint(10_100n, 13_500n);
          return {
            collateralUsd: prng.logBigint(2, 5) * 3n * 10n ** 8n,
            healthFactorBps: hf,
          };
        });
        if (m === worldMarket) {
          for (const s of specs) m.borrowers.push(await createMorphoBorrower(chain, world, s));
        } else {
          m.borrowers.push(
            ...(await openMorphoBorrowers(
              chain,
              { ...world, morpho: { ...world.morpho, marketParams: m.params, marketId: m.id } },
              specs,
              prices,
            )),
          );
        }
      }
      await rpc(chain, "evm_increaseTime", [prng.int(3_600, 60 * 86_400)]);
      await mineBlock(chain);
    }

    await sendOk(chain, owner, {
      address: USDC.address,
      abi: tokenAbi,
      functionName: "mint",
      args: [liquidator.account.address, 10n ** 18n],
    });
    await sendOk(chain, liquidator, {
      address: USDC.address,
      abi: tokenAbi,
      functionName: "approve",
      args: [morpho, maxUint256],
    });
  });

  afterAll(async () => {
    await chain?.close();
  });

  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: tokenAbi, functionName: "balanceOf", args: [who] });
  async function marketOnChain(id: Hex): Promise<MorphoMarketState> {
    const r = (await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "market",
      args: [id],
    })) as bigint[];
    return {
      totalSupplyAssets: r[0],
      totalSupplyShares: r[1],
      totalBorrowAssets: r[2],
      totalBorrowShares: r[3],
      lastUpdate: r[4],
      fee: r[5],
    };
  }
  async function positionOnChain(id: Hex, user: Address) {
    const r = (await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [id, user],
    })) as bigint[];
    return { supplyShares: r[0], borrowShares: r[1], collateral: r[2] };
  }

  /** liquidate() mined at timestamp T; returns the receipt or the revert message. */
  async function liquidateAt(
    T: bigint,
    m: MarketUnderTest,
    borrower: Address,
    args: { seizedAssets: bigint; repaidShares: bigint },
  ) {
    await setNextTimestamp(chain, T);
    try {
      const receipt = await sendTx(chain, liquidator, {
        address: world.morpho.morpho,
        abi: morphoAbi,
        functionName: "liquidate",
        args: [m.params, borrower, args.seizedAssets, args.repaidShares, "0x"],
        gas: 1_000_000n,
      });
      if (receipt.status === "success") return { ok: true as const, receipt };
      return { ok: false as const, error: `reverted in tx ${receipt.transactionHash}` };
    } catch (e) {
      // A rejected transaction may not have been mined: consume the pinned timestamp so time stays monotonic.
      if ((await latestTimestamp(chain)) < T) await mineBlock(chain);
      return { ok: false as const, error: String((e as Error).message ?? e) };
    }
  }

  it(`liquidate() moves exactly what our Morpho math predicts (3 markets x ${BORROWERS_PER_MARKET} positions x ${ROUNDS} price drops)`, async () => {
    const prng = new Prng(SEED);
    const stats = {
      maxMode: 0,
      seizedMode: 0,
      sharesMode: 0,
      ok: 0,
      healthyRevert: 0,
      overflowRevert: 0,
      badDebt: 0,
      maximalChecked: 0,
      interestMarkets: 0,
    };
    const { USDC, WETH } = world.tokens;
    const morpho = world.morpho.morpho;

    for (let round = 0; round < ROUNDS; round++) {
      // An independent drop from the default price each round: 1% .. 45%.
      const pricePpm = BigInt(prng.int(550_000, 990_000));
      await setPrice(chain, world, "WETH", (DEFAULT_PRICES.WETH * pricePpm) / 1_000_000n);

      for (const m of markets) {
        for (const borrower of m.borrowers) {
          const T = (await latestTimestamp(chain)) + BigInt(prng.int(1, 2 * 86_400));
          const snap = await readMorphoState(chain.public, {
            morpho,
            markets: [{ id: m.id, params: m.params }],
            borrowers: new Map([[m.id.toLowerCase() as Hex, new Set([borrower])]]),
            timestamp: T,
          });
          const market = snap.markets[0];
          const acc = market.state; // accrued to T, as liquidate() will accrue first
          const pos = await positionOnChain(m.id, borrower);
          if (pos.borrowShares === 0n || pos.collateral === 0n) continue; // closed by an earlier round
          const before = await marketOnChain(m.id);
          if (acc.totalBorrowAssets !== before.totalBorrowAssets) stats.interestMarkets++;
          if (market.price === undefined) throw new Error(`oracle of ${m.name} did not answer: ${market.priceError}`);
          const ctx = { market: acc, collateralPrice: market.price, lltv: m.params.lltv };
          const healthy = morphoIsHealthy({ ...ctx, position: pos });

          const roll = prng.int(0, 2);
          const context = `round ${round} ${m.name} borrower ${borrower} (seed ${SEED}) mode ${roll}`;
          let args: { seizedAssets: bigint; repaidShares: bigint };
          let expected: MorphoLiquidationAmounts | null;
          let max: ReturnType<typeof morphoMaxLiquidation> = null;
          if (roll === 0) {
            stats.maxMode++;
            max = morphoMaxLiquidation({ ...ctx, position: pos });
            expect(max === null, `${context}: max is null exactly when healthy`).toBe(healthy);
            args = max ? max.args : { seizedAssets: 1n, repaidShares: 0n };
            expected = max;
          } else if (roll === 1) {
            stats.seizedMode++;
            const s = prng.chance(0.5)
              ? prng.bigint(1n, pos.collateral)
              : 1n + (pos.collateral * prng.logBigint(0, 6)) / 10_000_000n;
            args = { seizedAssets: s, repaidShares: 0n };
            const r = morphoLiquidationFromSeized({ ...ctx, seizedAssets: s });
            expected = healthy || r.repaidShares > pos.borrowShares || s > pos.collateral ? null : r;
          } else {
            stats.sharesMode++;
            const sh = prng.chance(0.5)
              ? prng.bigint(1n, pos.borrowShares)
              : 1n + (pos.borrowShares * prng.logBigint(0, 6)) / 10_000_000n;
            args = { seizedAssets: 0n, repaidShares: sh };
            const r = morphoLiquidationFromShares({ ...ctx, repaidShares: sh });
            expected = healthy || sh > pos.borrowShares || r.seizedAssets > pos.collateral ? null : r;
          }

          // Maximality, on chain: seizing one more wei of collateral than the max liquidation must revert.
          if (max && max.seizedAssets < pos.collateral) {
            const id = await snapshot(chain);
            const more = await liquidateAt(T, m, borrower, { seizedAssets: max.seizedAssets + 1n, repaidShares: 0n });
            await revertTo(chain, id);
            expect(more.ok, `${context}: seizing ${max.seizedAssets + 1n} should revert`).toBe(false);
            stats.maximalChecked++;
          }

          const usdcBefore = await balanceOf(USDC.address, liquidator.account.address);
          const wethBefore = await balanceOf(WETH.address, liquidator.account.address);
          const res = await liquidateAt(T, m, borrower, args);
          if (expected === null) {
            expect(
              res.ok,
              `${context}: expected a revert (healthy=${healthy}, args ${args.seizedAssets}/${args.repaidShares})`,
            ).toBe(false);
            if (!res.ok) {
              if (healthy) {
                stats.healthyRevert++;
                expect(res.error, context).toMatch(/position is healthy/);
              } else {
                stats.overflowRevert++;
                expect(res.error, context).toMatch(/0x11|underflow|overflow/i);
              }
            }
            continue;
          }
          expect(
            res.ok,
            `${context}: chain reverted (${res.ok ? "" : res.error}), we predicted ${JSON.stringify(expected, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
          ).toBe(true);
          if (!res.ok) continue;
          stats.ok++;
          expect((await chain.public.getBlock({ blockNumber: res.receipt.blockNumber })).timestamp).toBe(T);

          const [ev] = parseEventLogs({ abi: liquidateEventAbi, logs: res.receipt.logs, eventName: "Liquidate" });
          // Replay the storage updates with our numbers.
          const collateralLeft = pos.collateral - expected.seizedAssets;
          let tbs = acc.totalBorrowShares - expected.repaidShares;
          let tba = zeroFloorSub(acc.totalBorrowAssets, expected.repaidAssets);
          let tsa = acc.totalSupplyAssets;
          let badDebtShares = 0n;
          let badDebtAssets = 0n;
          if (collateralLeft === 0n) {
            stats.badDebt++;
            badDebtShares = pos.borrowShares - expected.repaidShares;
            const up = toAssetsUp(badDebtShares, tba, tbs);
            badDebtAssets = tba < up ? tba : up;
            tba -= badDebtAssets;
            tsa -= badDebtAssets;
            tbs -= badDebtShares;
          }
          if (max)
            expect({ badDebtShares: max.badDebtShares, badDebtAssets: max.badDebtAssets }, context).toEqual({
              badDebtShares,
              badDebtAssets,
            });
          const posAfter = await positionOnChain(m.id, borrower);
          const marketAfter = await marketOnChain(m.id);
          expect(
            {
              event: { ...ev.args },
              liquidatorPaid: usdcBefore - (await balanceOf(USDC.address, liquidator.account.address)),
              liquidatorGot: (await balanceOf(WETH.address, liquidator.account.address)) - wethBefore,
              position: { borrowShares: posAfter.borrowShares, collateral: posAfter.collateral },
              market: marketAfter,
            },
            context,
          ).toEqual({
            event: {
              id: m.id,
              caller: getAddress(liquidator.account.address),
              borrower,
              repaidAssets: expected.repaidAssets,
              repaidShares: expected.repaidShares,
              seizedAssets: expected.seizedAssets,
              badDebtAssets,
              badDebtShares,
            },
            liquidatorPaid: expected.repaidAssets,
            liquidatorGot: expected.seizedAssets,
            position: {
              borrowShares: collateralLeft === 0n ? 0n : pos.borrowShares - expected.repaidShares,
              collateral: collateralLeft,
            },
            market: { ...acc, totalBorrowAssets: tba, totalBorrowShares: tbs, totalSupplyAssets: tsa, lastUpdate: T },
          });
        }
      }
    }
    if (process.env.PROPERTY_VERBOSE) console.log(stats);
    // The random cases must exercise every mode, successes, both kinds of revert, bad debt and interest.
    expect(stats.ok).toBeGreaterThanOrEqual(15);
    expect(stats.maxMode).toBeGreaterThanOrEqual(8);
    expect(stats.seizedMode).toBeGreaterThanOrEqual(8);
    expect(stats.sharesMode).toBeGreaterThanOrEqual(8);
    expect(stats.healthyRevert).toBeGreaterThanOrEqual(3);
    expect(stats.overflowRevert).toBeGreaterThanOrEqual(2);
    expect(stats.badDebt).toBeGreaterThanOrEqual(2);
    expect(stats.maximalChecked).toBeGreaterThanOrEqual(3);
    expect(stats.interestMarkets).toBeGreaterThanOrEqual(10);
  });
});
