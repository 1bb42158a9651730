import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPublicClient, custom, type Chain, type PublicClient, type Transport } from "viem";
import type { Journal } from "../../src/journal/journal.js";
import { DEFAULT_GAS_LIMIT_MULTIPLIER_BPS, TX_GAS_CAP, gasLimitFor, prepareSend } from "../../src/txlayer/prepare.js";
import { simulateAction } from "../../src/executor/simulate.js";
import {
  GWEI,
  createScenario,
  head,
  keeperSender,
  liquidation,
  liquidationsOf,
  revertTo,
  snapshot,
  tempJournal,
  underwaterBorrower,
  wethToWei,
  type Scenario,
} from "./scenario.js";

/**
 * prepareSend with the planner's gas figure: one eth_call under a bound built on it instead of eth_call +
 * eth_estimateGas, and the measured path whenever that try does not pass. On the real protocols (an Aave liquidation
 * through our executor).
 */
describe("prepareSend: planned gas bound instead of an estimate", () => {
  let s: Scenario;
  let snap: string;
  let journal: Journal;
  const fees = { priorityFeePerGas: 1n * GWEI, maxFeePerGasCap: 500n * GWEI };

  beforeAll(async () => {
    s = await createScenario();
  });
  afterAll(async () => s?.chain.close());
  beforeEach(async () => {
    snap = await snapshot(s);
    journal = tempJournal("prepare-").journal;
  });
  afterEach(async () => {
    journal.close();
    await revertTo(s, snap);
  });

  /** The scenario's client, counting the JSON-RPC methods it is asked. */
  function counting(): { client: PublicClient<Transport, Chain>; calls: Record<string, number> } {
    const calls: Record<string, number> = {};
    const client = createPublicClient({
      chain: s.chain.public.chain,
      transport: custom(
        {
          request: (args: { method: string; params?: unknown }) => {
            calls[args.method] = (calls[args.method] ?? 0) + 1;
            return s.chain.public.request(args as never);
          },
        },
        { retryCount: 0 },
      ),
    }) as PublicClient<Transport, Chain>;
    return { client, calls };
  }

  async function measuredGas(action: Awaited<ReturnType<typeof liquidation>>): Promise<bigint> {
    const sim = await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action });
    if (!sim.ok) throw sim.error;
    expect(sim.gasMeasured).toBe(true);
    return sim.gas;
  }

  it("a planned figure that fits: one eth_call, no estimate, limit = bound x 1.2, and the transaction mines within it", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const gas = await measuredGas(action);
    const { client, calls } = counting();
    const prep = await prepareSend(client, {
      executor: s.executor,
      account: s.keeper.address,
      action,
      minProfit: 0n,
      expectedProfitWei: wethToWei(s),
      fees,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      plannedGas: gas,
    });
    if (!prep.ok) throw new Error(prep.skip.message);
    expect(calls["eth_estimateGas"]).toBeUndefined();
    expect(calls["eth_call"]).toBe(1);
    const bound = gasLimitFor(gas, DEFAULT_GAS_LIMIT_MULTIPLIER_BPS);
    expect(prep.send.simulation).toMatchObject({ gas: bound, gasMeasured: false });
    expect(prep.send.gasLimit).toBe(gasLimitFor(bound, DEFAULT_GAS_LIMIT_MULTIPLIER_BPS));

    // Sent the same way by the sender: it mines, and its limit keeps at least the usual margin over what it used.
    const { sender } = keeperSender(s, journal);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
      plannedGas: gas,
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);
    const receipt = await s.chain.public.waitForTransactionReceipt({ hash: sent.attempt.hash });
    expect(receipt.status).toBe("success");
    expect(sent.attempt.gasLimit).toBe(prep.send.gasLimit);
    expect(receipt.gasUsed * DEFAULT_GAS_LIMIT_MULTIPLIER_BPS).toBeLessThanOrEqual(sent.attempt.gasLimit * 10_000n);
    expect(await liquidationsOf(s, user)).toBe(1);
  });

  it("a planned figure too low: the bounded call fails, the measured path (call + estimate) decides", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const gas = await measuredGas(action);
    const { client, calls } = counting();
    const prep = await prepareSend(client, {
      executor: s.executor,
      account: s.keeper.address,
      action,
      minProfit: 0n,
      expectedProfitWei: wethToWei(s),
      fees,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      plannedGas: gas / 4n,
    });
    if (!prep.ok) throw new Error(prep.skip.message);
    expect(calls["eth_estimateGas"]).toBe(1);
    expect(calls["eth_call"]).toBe(2);
    expect(prep.send.simulation).toMatchObject({ gas, gasMeasured: true });
    expect(prep.send.gasLimit).toBe(gasLimitFor(gas, DEFAULT_GAS_LIMIT_MULTIPLIER_BPS));
  });

  it("an OP-stack L1 data fee is part of the worst case: a send its gas fits is refused once the L1 fee tips it over", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const gas = await measuredGas(action);
    const base = {
      executor: s.executor,
      account: s.keeper.address,
      action,
      minProfit: 0n,
      fees,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      plannedGas: gas,
    };
    const fits = await prepareSend(s.chain.public, { ...base, expectedProfitWei: wethToWei(s) });
    if (!fits.ok) throw new Error(fits.skip.message);
    const gasWei = fits.send.worstCaseGasCostWei;
    // Expected profit just above the gas worst case: passes alone; with an L1 fee of half of it on top, refused even
    // after the measured path's tighter limit (estimate x 1.2, where the bound was planned x 1.2 x 1.2).
    const expectedProfitWei = gasWei + gasWei / 200n;
    const alone = await prepareSend(s.chain.public, { ...base, expectedProfitWei });
    expect(alone.ok).toBe(true);
    const l1FeeWei = gasWei / 2n;
    const withL1 = await prepareSend(s.chain.public, { ...base, expectedProfitWei, l1FeeWei });
    if (withL1.ok) throw new Error("expected a refusal");
    expect(withL1.skip.code).toBe("not-profitable");
    expect(withL1.skip.message).toMatch(
      new RegExp(`worst-case gas \\d+ wei \\(${l1FeeWei} wei of it the L1 data fee\\)`),
    );
  });

  it("on Arbitrum, whose gas estimate carries the L1 fee as gas, a planned figure is not trusted: the send is measured", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const gas = await measuredGas(action);
    const { client, calls } = counting();
    // The same node, seen as Arbitrum One (simulation does not check the chain id).
    const arbitrumClient = { ...client, chain: { ...client.chain, id: 42_161 } } as PublicClient<Transport, Chain>;
    const prep = await prepareSend(arbitrumClient, {
      executor: s.executor,
      account: s.keeper.address,
      action,
      minProfit: 0n,
      expectedProfitWei: wethToWei(s),
      fees,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      plannedGas: gas,
    });
    if (!prep.ok) throw new Error(prep.skip.message);
    expect(calls["eth_estimateGas"]).toBe(1);
    expect(prep.send.simulation).toMatchObject({ gas, gasMeasured: true });
  });

  it("a planned figure above the cap runs under the cap and asks for no more than 2^24", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const { client, calls } = counting();
    const prep = await prepareSend(client, {
      executor: s.executor,
      account: s.keeper.address,
      action,
      minProfit: 0n,
      expectedProfitWei: wethToWei(s),
      fees,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      plannedGas: TX_GAS_CAP * 2n,
    });
    if (!prep.ok) throw new Error(prep.skip.message);
    expect(calls["eth_estimateGas"]).toBeUndefined();
    expect(prep.send.simulation).toMatchObject({ gas: TX_GAS_CAP, gasMeasured: false });
    expect(prep.send.gasLimit).toBe(TX_GAS_CAP);
  });

  it("a revert with reason data on the bounded call is final: no second simulation", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const gas = await measuredGas(action);
    const { client, calls } = counting();
    // A floor no liquidation reaches: the contract reverts with InsufficientProfit under any gas limit.
    const floor = 10n ** 40n;
    const prep = await prepareSend(client, {
      executor: s.executor,
      account: s.keeper.address,
      action: { ...action, params: { ...action.params, minProfit: floor } } as typeof action,
      minProfit: floor,
      expectedProfitWei: wethToWei(s),
      fees,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      plannedGas: gas,
    });
    expect(prep.ok).toBe(false);
    if (prep.ok) return;
    expect(prep.skip.code).toBe("simulation-reverted");
    expect(prep.skip.message).toMatch(/InsufficientProfit/);
    expect(calls["eth_call"]).toBe(1);
    expect(calls["eth_estimateGas"]).toBeUndefined();
  });
});
