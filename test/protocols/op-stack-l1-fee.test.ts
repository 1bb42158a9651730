/**
 * The L1 data fee of an OP-stack chain (Base), on a local chain holding the real predeploys: GasPriceOracle and
 * L1Block from @eth-optimism/contracts-bedrock's build, placed at their addresses with hardhat_setCode and fed by
 * the depositor account as the sequencer does. Our bound equals the oracle's `getL1FeeUpperBound` to the wei, covers
 * what viem's `estimateL1Fee` charges for a candidate's transaction, and is part of every candidate's cost.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import {
  concatHex,
  encodeFunctionData,
  numberToHex,
  pad,
  parseAbi,
  parseEther,
  parseGwei,
  serializeTransaction,
  size,
  type Address,
  type Hex,
} from "viem";
import { estimateL1Fee } from "viem/op-stack";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { GAS_PRICE_ORACLE, gasPriceOracleAbi } from "../../src/chain/opStackFees.js";
import { encodeAction } from "../../src/executor/actions.js";
import { seededRandom } from "../../src/prng.js";
import { l1FeeUsd, opStackL1FeeUpperBound, type OpStackL1FeeParams } from "../../src/risk/index.js";
import { gasCostUsd } from "../../src/risk/profit.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planBlock } from "../../src/strategy/index.js";
import { unsignedTxBytes } from "../../src/strategy/txSize.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, skewV2Pool, type World } from "../../src/world/index.js";

const require = createRequire(import.meta.url);
const bedrock = (name: string): Hex =>
  JSON.parse(
    readFileSync(require.resolve(`@eth-optimism/contracts-bedrock/forge-artifacts/${name}.sol/${name}.json`), "utf8"),
  ).deployedBytecode.object;

const L1_BLOCK = "0x4200000000000000000000000000000000000015" as Address;
const DEPOSITOR = "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001" as Address;
const l1BlockAbi = parseAbi([
  "function setL1BlockValuesEcotone()",
  "function DEPOSITOR_ACCOUNT() view returns (address)",
]);
const USD8 = 10n ** 8n;

describe("OP-stack L1 data fee", () => {
  let chain: InProcessChain;
  let world: World;

  /** What the sequencer's L1 attributes deposit does each block: packed scalars and the L1 fees into L1Block. */
  async function setL1Values(p: OpStackL1FeeParams): Promise<void> {
    const data = concatHex([
      encodeFunctionData({ abi: l1BlockAbi, functionName: "setL1BlockValuesEcotone" }),
      // L1Block.sol's packed order: baseFeeScalar, blobBaseFeeScalar, sequence number, timestamp, number, ...
      pad(numberToHex(p.baseFeeScalar), { size: 4 }),
      pad(numberToHex(p.blobBaseFeeScalar), { size: 4 }),
      pad(numberToHex(7n), { size: 8 }),
      pad(numberToHex(1_800_000_000n), { size: 8 }),
      pad(numberToHex(21_000_000n), { size: 8 }),
      pad(numberToHex(p.l1BaseFee), { size: 32 }),
      pad(numberToHex(p.blobBaseFee), { size: 32 }),
      pad("0x01", { size: 32 }), // L1 block hash
      pad("0x02", { size: 32 }), // batcher hash
    ]);
    await depositorSends(L1_BLOCK, data);
  }

  async function depositorSends(to: Address, data: Hex): Promise<void> {
    const hash = (await chain.public.request({
      method: "eth_sendTransaction",
      params: [{ from: DEPOSITOR, to, data, gas: numberToHex(200_000n) }],
    } as never)) as Hex;
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
  }

  const oracle = (functionName: "getL1FeeUpperBound", args: [bigint]) =>
    chain.public.readContract({ address: GAS_PRICE_ORACLE, abi: gasPriceOracleAbi, functionName, args });

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
  });

  it("on a chain without the predeploy, snapshots carry no L1 fee and candidates cost L2 gas only", async () => {
    const snapshot = await new Watcher(chain.public, world, { watch: new Set(["uniswap-v2"]) }).snapshot();
    expect(snapshot.l1Fee).toBeUndefined();
  });

  it("our bound equals GasPriceOracle.getL1FeeUpperBound to the wei, over random sizes and fee parameters", async () => {
    const rpc = (method: string, params: unknown[]) => chain.public.request({ method, params } as never);
    await rpc("hardhat_setCode", [L1_BLOCK, bedrock("L1Block")]);
    await rpc("hardhat_setCode", [GAS_PRICE_ORACLE, bedrock("GasPriceOracle")]);
    await rpc("hardhat_impersonateAccount", [DEPOSITOR]);
    await rpc("hardhat_setBalance", [DEPOSITOR, numberToHex(parseEther("1"))]);
    expect(
      await chain.public.readContract({ address: L1_BLOCK, abi: l1BlockAbi, functionName: "DEPOSITOR_ACCOUNT" }),
    ).toBe(DEPOSITOR);
    // Ecotone, then Fjord: the order the network upgrades ran in.
    for (const fn of ["setEcotone", "setFjord"] as const)
      await depositorSends(
        GAS_PRICE_ORACLE,
        encodeFunctionData({ abi: parseAbi([`function ${fn}()`]), functionName: fn }),
      );

    const rand = seededRandom(17);
    let compared = 0;
    for (let round = 0; round < 4; round++) {
      const p: OpStackL1FeeParams = {
        l1BaseFee: BigInt(Math.floor(rand() * 200e9)) + 1n,
        blobBaseFee: BigInt(Math.floor(rand() * 50e9)) + 1n,
        baseFeeScalar: BigInt(Math.floor(rand() * 10_000)),
        blobBaseFeeScalar: BigInt(Math.floor(rand() * 2_000_000)),
      };
      await setL1Values(p);
      // Sizes around the minimum-size floor and up to a 100 kB batch.
      for (const n of [
        0n,
        1n,
        50n,
        100n,
        200n,
        ...Array.from({ length: 12 }, () => BigInt(Math.floor(rand() * 100_000))),
      ]) {
        expect(opStackL1FeeUpperBound(n, p)).toBe(await oracle("getL1FeeUpperBound", [n]));
        compared++;
      }
    }
    expect(compared).toBe(68);
  });

  it("the watcher reads the parameters with each snapshot; every candidate's cost includes the L1 fee of its tx size", async () => {
    // Base-like scalars, a busy L1.
    const p: OpStackL1FeeParams = {
      l1BaseFee: parseGwei("30"),
      blobBaseFee: parseGwei("5"),
      baseFeeScalar: 2269n,
      blobBaseFeeScalar: 1_055_762n,
    };
    await setL1Values(p);
    await skewV2Pool(chain, world, "WETH_USDC", 400);
    const watcher = new Watcher(chain.public, world, { watch: new Set(["uniswap-v2"]) });
    const snapshot = await watcher.snapshot();
    expect(snapshot.l1Fee).toEqual(p);

    const ctx = strategyContextFor(world, {
      minProfitUsd: 1n * USD8,
      priorityFeePerGas: 10n ** 9n,
      thresholdBps: 30n,
      toleranceBps: 1,
    });
    const plan = planBlock(snapshot, ctx);
    expect(plan.selected.length).toBeGreaterThan(0);
    const c = plan.selected[0];
    const bytes = unsignedTxBytes(c);
    const gas = {
      baseFeePerGas: snapshot.baseFeePerGas,
      priorityFeePerGas: ctx.priorityFeePerGas,
      ethUsd: snapshot.prices[ctx.wethToken].usd8,
      l1: p,
    };
    const l1Usd = l1FeeUsd(bytes, gas);
    expect(l1Usd).toBeGreaterThan(0n);
    expect(c.gasCostUsd).toBe(gasCostUsd(c.opportunity.gasEstimate, gas) + l1Usd);

    // What the oracle charges the real transaction (viem serialises it and calls getL1Fee, FastLZ on the bytes) is
    // within our bound, and the bound is what the size says.
    const data = encodeAction(c.action);
    const charged = await estimateL1Fee(
      chain.public as never,
      {
        account: chain.wallet.account,
        to: world.deployer,
        data,
        gas: 2n ** 24n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 10n ** 9n,
        nonce: 1000,
        chainId: chain.public.chain.id,
        gasPriceOracleAddress: GAS_PRICE_ORACLE,
      } as never,
    );
    const bound = opStackL1FeeUpperBound(bytes, p);
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThanOrEqual(bound);
    expect(bytes).toBeGreaterThanOrEqual(BigInt(size(serializeTransaction({ type: "eip1559", chainId: 31337, data }))));

    // An L1 base fee 10^8 times higher: the same rebalance no longer pays for its bytes, and the skip says so.
    await setL1Values({ ...p, l1BaseFee: p.l1BaseFee * 100_000_000n });
    const congested = planBlock(await watcher.snapshot(), ctx);
    const skipped = congested.skipped.find((s) => s.id === c.opportunity.id);
    expect(congested.selected.find((s) => s.opportunity.id === c.opportunity.id)).toBeUndefined();
    expect(skipped?.skip.message).toMatch(/of which L1 data fee \$[\d,.]+/);
  });
});
