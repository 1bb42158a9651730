import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPublicClient, custom } from "viem";
import { localChain } from "../../src/chain/inProcess.js";
import { keeperExecutorAbi } from "../../src/executor/abi.js";
import { actionCall } from "../../src/executor/actions.js";
import { simulateAction } from "../../src/executor/simulate.js";
import type { Journal } from "../../src/journal/journal.js";
import { settableAggregator } from "../../src/world/tokens.js";
import { BroadcastRefusedError } from "../../src/txlayer/errors.js";
import {
  GWEI,
  USD,
  createScenario,
  healthFactor,
  head,
  keeperSender,
  liquidation,
  losesFirstSend,
  liquidationsOf,
  mineWithBaseFee,
  nonceOf,
  revertTo,
  rpc,
  setAutomine,
  snapshot,
  tempJournal,
  underwaterBorrower,
  usdcDebt,
  wethToWei,
  type Scenario,
} from "./scenario.js";

/**
 * TxSender on the real protocols: inclusion is steered by holding the mempool (automine off) and mining blocks whose
 * base fee is above the keeper's fee cap, so its transaction stays stuck exactly as long as the test wants.
 */
describe("TxSender: journaled sends, stuck replacement, caps, cancels", () => {
  let s: Scenario;
  let snap: string;
  let journal: Journal;
  const HIGH_BASE_FEE = 20n * GWEI;

  beforeAll(async () => {
    s = await createScenario();
  });
  afterAll(async () => s?.chain.close());
  beforeEach(async () => {
    snap = await snapshot(s);
    journal = tempJournal("sender-").journal;
  });
  afterEach(async () => {
    journal.close();
    await setAutomine(s, true);
    await revertTo(s, snap);
  });

  /** Mines `n` blocks at a base fee no keeper transaction can pay, tracking each. */
  async function stuckBlocks(sender: { onBlock(h: bigint): Promise<unknown> }, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await sender.onBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
  }

  it("replaces a stuck liquidation after stuckBlocks: same nonce and calldata, both fees >= +12.5%, exactly one mined", async () => {
    const user = await underwaterBorrower(s);
    const { sender } = keeperSender(s, journal);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (sent.status !== "sent")
      throw new Error(`expected sent, got ${JSON.stringify(sent, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`);
    const original = sent.attempt;
    expect(original.nonce).toBe(nonceBefore);
    expect(original.maxFeePerGas).toBeLessThan(HIGH_BASE_FEE);

    await stuckBlocks(sender, 2);
    expect(journal.attempts(sent.intent.id)).toHaveLength(1); // not yet: 2 blocks < stuckBlocks
    await stuckBlocks(sender, 1);
    const attempts = journal.attempts(sent.intent.id);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "replacement"]);
    const replacement = attempts[1];
    expect(replacement.state).toBe("broadcast");

    // On the node: same nonce, same calldata and gas, both fee fields raised by at least 12.5%.
    const [txOld, txNew] = [
      await s.chain.public.getTransaction({ hash: original.hash }).catch(() => undefined),
      await s.chain.public.getTransaction({ hash: replacement.hash }),
    ];
    expect(txOld).toBeUndefined(); // the node dropped the original from its mempool for the replacement
    expect(txNew.nonce).toBe(original.nonce);
    expect(txNew.input).toBe(sent.intent.calldata);
    expect(txNew.gas).toBe(original.gasLimit);
    expect(txNew.maxFeePerGas! * 10_000n).toBeGreaterThanOrEqual(original.maxFeePerGas * 11_250n);
    expect(txNew.maxPriorityFeePerGas! * 10_000n).toBeGreaterThanOrEqual(original.maxPriorityFeePerGas * 11_250n);
    // ...and what the market needs now: maxFee = 2 x the 20 gwei base fee + the 1 gwei tip; the tip +12.5% (over the market's 1 gwei).
    expect(txNew.maxFeePerGas).toBe(2n * HIGH_BASE_FEE + 1n * GWEI);
    expect(txNew.maxPriorityFeePerGas).toBe(1_125_000_000n);

    const [resolution] = await sender.onBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    expect(resolution.intent.state).toBe("mined");
    expect(resolution.intent.receipt?.hash).toBe(replacement.hash);
    expect(journal.attempts(sent.intent.id).map((a) => a.state)).toEqual(["replaced", "mined"]);
    // Exactly one of them mined: the nonce moved by one, the replacement has a receipt, the original none.
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect((await s.chain.public.getTransactionReceipt({ hash: replacement.hash })).status).toBe("success");
    await expect(s.chain.public.getTransactionReceipt({ hash: original.hash })).rejects.toThrow(/could not be found/);
    expect(await liquidationsOf(s, user)).toBe(1);
    expect(journal.activeIntentFor(`aave-v3:${user}`)).toBeUndefined();
  });

  it("never bumps past what the expected profit pays for: it rides at its fees, then is mined as it was", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    // Price the budget so the first send fits and a +12.5% bump does not: expected profit = 1.10 x worst-case gas.
    const sim = await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action });
    if (!sim.ok) throw sim.error;
    const base = (await s.chain.public.getBlock()).baseFeePerGas!;
    const gasLimit = (sim.gas * 12_000n + 9_999n) / 10_000n;
    const firstMaxFee = 2n * base + 1n * GWEI;
    const budget = (gasLimit * firstMaxFee * 110n) / 100n;
    const { sender } = keeperSender(s, journal);
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: budget,
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);

    await stuckBlocks(sender, 6);
    const attempts = journal.attempts(sent.intent.id);
    expect(attempts).toHaveLength(1); // never replaced
    const intent = journal.intent(sent.intent.id)!;
    expect(intent.reason).toMatch(/bump-capped: the next bump would cost up to \d+ wei, above the expected profit/);
    expect(journal.events(intent.id).filter((e) => e.type === "riding")).toHaveLength(1); // journaled once, not every block
    expect(attempts[0].gasLimit * attempts[0].maxFeePerGas).toBeLessThanOrEqual(budget);

    // The base fee comes back down: the original is mined as sent.
    const [resolution] = await sender.onBlock(await mineWithBaseFee(s, 1n));
    expect(resolution.intent.state).toBe("mined");
    expect(resolution.intent.receipt?.hash).toBe(attempts[0].hash);
    expect(await liquidationsOf(s, user)).toBe(1);
  });

  it("never raises maxFeePerGas above maxFeeCapWei: one replacement up to the cap, then it rides", async () => {
    const user = await underwaterBorrower(s);
    const cap = 30n * GWEI;
    const { sender } = keeperSender(s, journal, { policy: { maxFeeCapWei: cap } });
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);
    // A 40 gwei base fee: the market would want 81 gwei; the replacement gets the cap, and the next bump is refused.
    for (let i = 0; i < 9; i++) await sender.onBlock(await mineWithBaseFee(s, 40n * GWEI));
    const attempts = journal.attempts(sent.intent.id);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "replacement"]);
    expect(attempts[1].maxFeePerGas).toBe(cap);
    expect(journal.intent(sent.intent.id)!.reason).toMatch(
      /bump-capped: the next bump \(maxFeePerGas 33750000000\) is above the fee cap 30000000000/,
    );
    const [resolution] = await sender.onBlock(await mineWithBaseFee(s, 10n * GWEI));
    expect(resolution.intent.receipt?.hash).toBe(attempts[1].hash);
    expect((await s.chain.public.getTransaction({ hash: attempts[1].hash })).maxFeePerGas).toBe(cap);
  });

  it("with cancelWhenCapped, cancels a transaction the profit cannot bump with a 0-value self-transfer at its nonce", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const debtBefore = await usdcDebt(s, user);
    const sim = await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action });
    if (!sim.ok) throw sim.error;
    const base = (await s.chain.public.getBlock()).baseFeePerGas!;
    const budget = (((sim.gas * 12_000n + 9_999n) / 10_000n) * (2n * base + 1n * GWEI) * 110n) / 100n;
    const { sender } = keeperSender(s, journal, { policy: { cancelWhenCapped: true } });
    const nonceBefore = await nonceOf(s, s.keeper.address);
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: budget,
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);

    await stuckBlocks(sender, 3);
    const attempts = journal.attempts(sent.intent.id);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "cancel"]);
    expect(attempts[1].nonce).toBe(attempts[0].nonce);
    expect(attempts[1].gasLimit).toBe(21_000n);
    const [resolution] = await sender.onBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    expect(resolution.intent.state).toBe("abandoned");
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(0);
    expect(await usdcDebt(s, user)).toBeGreaterThanOrEqual(debtBefore); // untouched (interest only)
  });

  it("cancels instead of bumping when the re-simulation shows someone else liquidated first", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const { sender } = keeperSender(s, journal);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const keeperEthBefore = await s.chain.public.getBalance({ address: s.keeper.address });
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);

    // A competitor (the owner, through the same executor) pays a fee that clears the high base fee.
    const { functionName, args } = actionCall(action);
    await s.owner.writeContract({
      address: s.executor,
      abi: keeperExecutorAbi(),
      functionName,
      args: args as never,
      maxFeePerGas: 100n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
      gas: 1_500_000n,
    });
    await stuckBlocks(sender, 3);
    expect(await liquidationsOf(s, user)).toBe(1); // the competitor's
    expect(await healthFactor(s, user)).toBeGreaterThan(10n ** 18n); // no longer liquidatable

    const attempts = journal.attempts(sent.intent.id);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "cancel"]);
    const cancel = await s.chain.public.getTransaction({ hash: attempts[1].hash });
    expect(cancel.to?.toLowerCase()).toBe(s.keeper.address.toLowerCase());
    expect(cancel.value).toBe(0n);
    expect(cancel.input).toBe("0x");
    expect(cancel.nonce).toBe(attempts[0].nonce);
    expect(journal.intent(sent.intent.id)!.reason).toMatch(/would now revert/);

    const [resolution] = await sender.onBlock(await mineWithBaseFee(s, HIGH_BASE_FEE));
    expect(resolution.intent.state).toBe("abandoned");
    expect(resolution.intent.reason).toMatch(/cancelled/);
    // On chain: one transaction of the keeper (the 21,000-gas cancel), the borrower liquidated once, by the competitor.
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    const receipt = await s.chain.public.getTransactionReceipt({ hash: attempts[1].hash });
    expect(receipt.gasUsed).toBe(21_000n);
    expect(keeperEthBefore - (await s.chain.public.getBalance({ address: s.keeper.address }))).toBe(
      receipt.gasUsed * receipt.effectiveGasPrice,
    );
    expect(await liquidationsOf(s, user)).toBe(1);
  });

  it("leaves no nonce gap after a broadcast the node refused: the next send takes the same nonce", async () => {
    const user = await underwaterBorrower(s);
    const { sender, nonces } = keeperSender(s, journal);
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const balance = await s.chain.public.getBalance({ address: s.keeper.address });
    await rpc(s, "hardhat_setBalance", [s.keeper.address, "0x1"]); // cannot pay for gas: the node refuses it
    const failed = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(failed.status).toBe("failed");
    if (failed.status !== "failed") return;
    expect(failed.pending).toBe(false);
    expect(failed.error).toBeInstanceOf(BroadcastRefusedError);
    expect(failed.error).toMatchObject({ kind: "insufficient-funds", classification: "deterministic" });
    const [refused] = journal.history(1);
    expect(refused.state).toBe("abandoned");
    expect(journal.attempts(refused.id).map((a) => [a.nonce, a.state])).toEqual([[nonceBefore, "failed"]]);
    expect(nonces.state()).toMatchObject({ next: nonceBefore, reserved: [], free: [] });

    await rpc(s, "hardhat_setBalance", [s.keeper.address, `0x${balance.toString(16)}`]);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);
    expect(sent.attempt.nonce).toBe(nonceBefore);
    await sender.onBlock(await head(s));
    expect(journal.intent(sent.intent.id)!.state).toBe("mined");
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(1);
  });

  it("keeps the nonce of a broadcast lost in transport and rebroadcasts the same bytes next block: one transaction, no gap", async () => {
    const user = await underwaterBorrower(s);
    let dropped = 0;
    // A transport that loses the first eth_sendRawTransaction (connection reset before the node saw it).
    const flaky = createPublicClient({
      chain: localChain,
      pollingInterval: 20,
      transport: custom(
        {
          request: async (args: { method: string; params?: unknown }) => {
            if (args.method === "eth_sendRawTransaction" && dropped++ === 0)
              throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
            return s.chain.provider.request(args as { method: string; params?: unknown[] });
          },
        },
        { retryCount: 0 },
      ),
    });
    const { sender } = keeperSender(s, journal, { client: flaky as never });
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const r = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(r).toMatchObject({ status: "sent", acknowledged: false });
    if (r.status !== "sent") return;
    expect(journal.inFlightNonces(s.keeper.address)).toEqual([nonceBefore]);
    expect(await nonceOf(s, s.keeper.address, "pending")).toBe(nonceBefore); // the node never saw it

    // A second submit for the same opportunity is refused while the intent is unresolved.
    const again = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(again).toMatchObject({ status: "skipped", skip: { code: "duplicate", deterministic: false } });

    await sender.onBlock(await head(s)); // rebroadcast (automine: mined at once)
    await sender.onBlock(await head(s));
    expect(journal.intent(r.intent.id)!.state).toBe("mined");
    expect(journal.attempts(r.intent.id)).toHaveLength(1);
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 1);
    expect(await liquidationsOf(s, user)).toBe(1);
  });

  it("caps a bump by the profit a fresh simulation shows when it fell since the first send (not the first send's profit)", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const first = await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action });
    if (!first.ok) throw first.error;
    const gasLimit = (first.gas * 12_000n + 9_999n) / 10_000n;
    // A budget the market's bump (2 x 20 gwei base fee + 1 gwei) fits with a third to spare, priced at the first send.
    const budget = gasLimit * (3n * HIGH_BASE_FEE);
    const { sender } = keeperSender(s, journal);
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: budget,
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);

    // The oracle moves WETH up 2% (the pools do not follow): still liquidatable, for a smaller bonus in WETH.
    await s.chain.wallet.writeContract({
      address: s.world.feeds.WETH,
      abi: settableAggregator().abi,
      functionName: "setAnswer",
      args: [2_850n * USD],
      maxFeePerGas: 100n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
      gas: 200_000n,
    } as never);
    await stuckBlocks(sender, 1);
    const fresh = await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action });
    if (!fresh.ok) throw fresh.error;
    const freshBudget = (budget * fresh.profit) / first.profit;
    const marketBump = gasLimit * (2n * HIGH_BASE_FEE + 1n * GWEI);
    expect(marketBump).toBeLessThan(budget); // the first send's profit would pay for the market's bump...
    expect(marketBump).toBeGreaterThan(freshBudget); // ...the fresh one does not

    await stuckBlocks(sender, 2);
    const attempts = journal.attempts(sent.intent.id);
    expect(attempts.map((a) => a.kind)).toEqual(["original", "replacement"]);
    expect(attempts[1].gasLimit * attempts[1].maxFeePerGas).toBeLessThanOrEqual(freshBudget);
    expect(attempts[1].maxFeePerGas).toBeLessThan(2n * HIGH_BASE_FEE + 1n * GWEI);
  });

  it("stops bumping when the fresh profit no longer clears the keeper's floor: it rides at its fees", async () => {
    const user = await underwaterBorrower(s);
    const action = await liquidation(s, user);
    const first = await simulateAction(s.chain.public, { executor: s.executor, account: s.keeper, action });
    if (!first.ok) throw first.error;
    // Floor = the whole profit: the first send (priced on the profit alone) goes out, no bump is worth anything.
    const { sender } = keeperSender(s, journal, { policy: { minProfitFloorWei: first.profit } });
    await setAutomine(s, false);
    const sent = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (sent.status !== "sent") throw new Error(`expected sent, got ${sent.status}`);
    await stuckBlocks(sender, 4);
    expect(journal.attempts(sent.intent.id).map((a) => a.kind)).toEqual(["original"]);
    const intent = journal.intent(sent.intent.id)!;
    expect(intent.reason).toMatch(
      /bump-capped: .* above the expected profit \(the lower of the first send's and the fresh/,
    );
    const riding = journal.events(intent.id).filter((e) => e.type === "riding");
    expect(riding).toHaveLength(1); // noted once, though the fresh profit (the budget's figures) moves every block
  });

  it("a send lost in transport whose rebroadcast is refused: its nonce is signed again (re-simulated), and later nonces mine", async () => {
    const [a, b] = [await underwaterBorrower(s, 20_000n * USD), await underwaterBorrower(s, 20_000n * USD)];
    const { sender } = keeperSender(s, journal, { client: losesFirstSend(s) as never });
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const lost = await sender.submit({
      opportunityId: `aave-v3:${a}`,
      action: await liquidation(s, a),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    expect(lost).toMatchObject({ status: "sent", acknowledged: false });
    if (lost.status !== "sent") return;

    // The rebroadcast is refused (the account cannot pay for gas at that moment): the node knows no transaction at N.
    const balance = await s.chain.public.getBalance({ address: s.keeper.address });
    await rpc(s, "hardhat_setBalance", [s.keeper.address, "0x1"]);
    await sender.onBlock(await head(s));
    expect(journal.attempts(lost.intent.id).map((x) => x.state)).toEqual(["failed"]);
    await rpc(s, "hardhat_setBalance", [s.keeper.address, `0x${balance.toString(16)}`]);

    // The next send takes N+1, which queues behind the empty N (automine off: Hardhat refuses to queue otherwise).
    await setAutomine(s, false);
    const next = await sender.submit({
      opportunityId: `aave-v3:${b}`,
      action: await liquidation(s, b),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (next.status !== "sent") throw new Error(`expected sent, got ${next.status}`);
    expect(next.attempt.nonce).toBe(nonceBefore + 1);

    for (let i = 0; i < 4; i++) {
      await rpc(s, "evm_mine");
      await sender.onBlock(await head(s));
    }
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 2);
    expect(journal.intent(lost.intent.id)!.state).toBe("mined");
    expect(journal.intent(next.intent.id)!.state).toBe("mined");
    const attempts = journal.attempts(lost.intent.id);
    expect(attempts.map((x) => [x.kind, x.nonce, x.state])).toEqual([
      ["original", nonceBefore, "failed"],
      ["replacement", nonceBefore, "mined"],
    ]);
    expect((await s.chain.public.getTransaction({ hash: attempts[1].hash })).input).toBe(lost.intent.calldata);
    expect(await liquidationsOf(s, a)).toBe(1);
    expect(await liquidationsOf(s, b)).toBe(1);
  });

  it("a lost send whose action would now revert: its nonce is filled by a cancel, and later nonces mine", async () => {
    const [a, b] = [await underwaterBorrower(s, 20_000n * USD), await underwaterBorrower(s, 20_000n * USD)];
    const action = await liquidation(s, a);
    const { sender } = keeperSender(s, journal, { client: losesFirstSend(s) as never });
    const nonceBefore = await nonceOf(s, s.keeper.address);
    const lost = await sender.submit({
      opportunityId: `aave-v3:${a}`,
      action,
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (lost.status !== "sent") throw new Error(`expected sent, got ${lost.status}`);
    const balance = await s.chain.public.getBalance({ address: s.keeper.address });
    await rpc(s, "hardhat_setBalance", [s.keeper.address, "0x1"]);
    await sender.onBlock(await head(s));
    await rpc(s, "hardhat_setBalance", [s.keeper.address, `0x${balance.toString(16)}`]);
    // A competitor liquidates `a` meanwhile.
    const { functionName, args } = actionCall(action);
    await s.owner.writeContract({ address: s.executor, abi: keeperExecutorAbi(), functionName, args: args as never });
    await setAutomine(s, false);
    const next = await sender.submit({
      opportunityId: `aave-v3:${b}`,
      action: await liquidation(s, b),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
    });
    if (next.status !== "sent") throw new Error(`expected sent, got ${next.status}`);

    for (let i = 0; i < 4; i++) {
      await rpc(s, "evm_mine");
      await sender.onBlock(await head(s));
    }
    expect(await nonceOf(s, s.keeper.address)).toBe(nonceBefore + 2);
    expect(journal.attempts(lost.intent.id).map((x) => [x.kind, x.state])).toEqual([
      ["original", "failed"],
      ["cancel", "mined"],
    ]);
    expect(journal.intent(lost.intent.id)!.state).toBe("abandoned");
    expect(journal.intent(next.intent.id)!.state).toBe("mined");
    expect(await liquidationsOf(s, a)).toBe(1); // the competitor's
    expect(await liquidationsOf(s, b)).toBe(1);
  });

  it("skips (and journals why) an action whose simulation reverts or whose gas exceeds the profit: no nonce used", async () => {
    const user = await underwaterBorrower(s);
    const { sender, nonces } = keeperSender(s, journal);
    const tooMuch = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: wethToWei(s),
      minProfit: 10n ** 24n,
    });
    expect(tooMuch).toMatchObject({
      status: "skipped",
      skip: { code: "simulation-reverted", deterministic: true, error: { errorName: "InsufficientProfit" } },
    });
    const noBudget = await sender.submit({
      opportunityId: `aave-v3:${user}`,
      action: await liquidation(s, user),
      blockSeen: await head(s),
      expectedProfitWei: 1_000n,
    });
    expect(noBudget).toMatchObject({ status: "skipped", skip: { code: "not-profitable", deterministic: true } });
    expect(journal.history(10).map((i) => i.state)).toEqual(["abandoned", "abandoned"]);
    expect(nonces.state().next).toBeUndefined(); // never even asked for one
    expect(await liquidationsOf(s, user)).toBe(0);
  });
});
