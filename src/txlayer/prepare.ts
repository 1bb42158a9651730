/**
 * The guard half of the send pipeline, shared by dry-run and live: simulate the action, read EIP-1559 fees, and
 * refuse a fee cap under the base fee or a worst-case gas cost above the expected profit. Nothing is signed and no
 * nonce is used here: what comes out is either a transaction ready to sign or the SkipReason why not.
 */
import type { Account, Address, BlockTag, Chain, Hex, PublicClient, Transport } from "viem";
import { arbitrum, arbitrumNova, arbitrumSepolia } from "viem/chains";
import { encodeAction, type ExecutorAction } from "../executor/actions.js";
import { decodeExecutorError, ExecutorRevertError } from "../executor/errors.js";
import {
  FeeConfigError,
  gasCostWei,
  gasWithinProfit,
  getExecutorFees,
  type Eip1559Fees,
  type FeeConfig,
} from "../executor/fees.js";
import { simulateAction } from "../executor/simulate.js";
import { skip, type SkipReason } from "../skip.js";

/** EIP-7825 (Fusaka): the most gas one transaction may ask for. */
export const TX_GAS_CAP = 1n << 24n;

/** Gas limit = estimate * 12_000 / 10_000: eth_estimateGas is exact for the simulated state, and a few storage
 *  slots turning from zero to non-zero (or a longer path in a pool) by the time the transaction lands cost more. */
export const DEFAULT_GAS_LIMIT_MULTIPLIER_BPS = 12_000n;

/** The gas limit sent for an estimate: estimate x multiplier, rounded up. */
export function gasLimitFor(estimate: bigint, multiplierBps: bigint): bigint {
  return (estimate * multiplierBps + 9_999n) / 10_000n;
}

/** Expected profit in wei (the gas budget), or a pricing of the simulated profit (raw `token` units) in wei. */
export type ExpectedProfitWei = bigint | ((profit: bigint, token: Address) => bigint);

/** What prepareSend needs. */
export interface PrepareParams {
  /** The KeeperExecutor. */
  executor: Address;
  /** Who will send it (owner or keeper of the executor); an address is enough to simulate. */
  account: Account | Address;
  /** The action as it will be sent (its minProfit already raised to the keeper's floor). */
  action: ExecutorAction;
  /** Least simulated profit worth sending for, in the profit token's units (the contract enforces it too). */
  minProfit: bigint;
  expectedProfitWei: ExpectedProfitWei;
  /** Tip and fee ceiling (wei per gas). */
  fees: FeeConfig;
  /** Gas limit over the estimate, in bps (12_000 = x1.2). */
  gasLimitMultiplierBps: bigint;
  /** Simulate on this tag (default "latest"); "pending" while earlier transactions of this keeper are in flight. */
  blockTag?: BlockTag;
  /**
   * The planner's gas figure for the action, when it has one: the call is first simulated under a bound built on it
   * instead of being estimated (see {@link prepareSend}).
   */
  plannedGas?: bigint;
  /**
   * On an OP-stack chain, the bound of the transaction's L1 data fee (wei): paid on top of gas, so part of the
   * worst-case cost the expected profit must cover.
   */
  l1FeeWei?: bigint;
}

/** A transaction that passed every guard: what to sign, and what the guards saw. */
export interface PreparedSend {
  action: ExecutorAction;
  calldata: Hex;
  /** `gas` is the estimate when `gasMeasured`, else the bound the call succeeded under. */
  simulation: { profit: bigint; profitToken: Address; gas: bigint; gasMeasured: boolean };
  gasLimit: bigint;
  fees: Eip1559Fees;
  expectedProfitWei: bigint;
  /** gasLimit * maxFeePerGas: the most this transaction can cost. */
  worstCaseGasCostWei: bigint;
}

/** prepareSend's answer. `simulation` is there when the simulation passed (a later guard refused). */
export type Preparation =
  { ok: true; send: PreparedSend } | { ok: false; skip: SkipReason; simulation?: PreparedSend["simulation"] };

/**
 * Simulates and prices one action (see the module comment). Chain conditions come back as skips; only a
 * configuration mistake (an unusable fee policy or gas multiplier) throws, as a KeeperError.
 *
 * With a planned gas figure, the first try is one eth_call under the bound B = min(planned x multiplier, 2^24), and
 * the transaction's gas limit is min(B x multiplier, 2^24): a call that succeeds under B uses at most B, so the
 * limit keeps at least the usual margin over what it uses, and no gas estimate (the node re-running the call) stands
 * between the simulation and the broadcast. If that try does not pass every guard (a revert, which may be the bound
 * itself, or a worst-case gas cost the looser limit makes too high), the action is simulated again the measured way:
 * eth_call and eth_estimateGas, limit = estimate x multiplier. Only a simulated profit under the floor is final.
 */
export async function prepareSend(client: PublicClient<Transport, Chain>, p: PrepareParams): Promise<Preparation> {
  if (p.gasLimitMultiplierBps <= 0n) {
    throw new FeeConfigError(`Invalid gasLimitMultiplierBps: ${p.gasLimitMultiplierBps}.`, {
      metaMessages: ["Expected a positive number of bps (12000 = x1.2)."],
    });
  }
  if (p.plannedGas !== undefined && p.plannedGas > 0n && !GAS_ESTIMATE_CARRIES_L1.has(client.chain.id)) {
    const wanted = gasLimitFor(p.plannedGas, p.gasLimitMultiplierBps);
    const bound = wanted < TX_GAS_CAP ? wanted : TX_GAS_CAP;
    const quick = await guard(client, p, await simulate(client, p, bound));
    if (quick.ok || !mayPassMeasured(quick.skip, quick.simulation, p.minProfit)) return quick;
  }
  return guard(client, p, await simulate(client, p));
}

/**
 * Arbitrum chains charge the L1 data fee as extra L2 gas that eth_estimateGas includes and eth_call does not see:
 * a limit built on the call alone would be refused by the node, and the profit guard must see that gas. There,
 * every send is measured.
 */
const GAS_ESTIMATE_CARRIES_L1: ReadonlySet<number> = new Set([arbitrum.id, arbitrumNova.id, arbitrumSepolia.id]);

/**
 * Whether a refusal of the bounded try may turn into a pass once measured: a revert without data (what running out
 * of the bound looks like, directly or as an inner call starved by the 63/64 rule) or a worst-case gas cost priced on
 * the looser limit. A revert with data (a custom error, a protocol's reason) happens under any gas limit.
 */
function mayPassMeasured(
  reason: SkipReason,
  simulation: PreparedSend["simulation"] | undefined,
  minProfit: bigint,
): boolean {
  if (reason.code === "simulation-reverted") {
    const error = reason.error;
    return !(error instanceof ExecutorRevertError) || error.data.length <= 2;
  }
  return reason.code === "not-profitable" && simulation !== undefined && simulation.profit >= minProfit;
}

function simulate(
  client: PublicClient<Transport, Chain>,
  p: PrepareParams,
  gas?: bigint,
): ReturnType<typeof simulateAction> {
  return simulateAction(client, {
    executor: p.executor,
    account: p.account,
    action: p.action,
    blockTag: p.blockTag,
    gas,
  });
}

/** The guards after a simulation: floor, fees, the per-transaction gas cap, worst-case gas within profit. */
async function guard(
  client: PublicClient<Transport, Chain>,
  p: PrepareParams,
  sim: Awaited<ReturnType<typeof simulateAction>>,
): Promise<Preparation> {
  if (!sim.ok) {
    const e = sim.error;
    return e instanceof ExecutorRevertError
      ? { ok: false, skip: skip("simulation-reverted", `simulation reverted: ${e.shortMessage}`, { error: e }) }
      : {
          ok: false,
          skip: skip("rpc-error", `RPC error during simulate: ${e.shortMessage}`, {
            error: e,
            deterministic: e.classification === "deterministic",
          }),
        };
  }
  const simulation = { profit: sim.profit, profitToken: sim.profitToken, gas: sim.gas, gasMeasured: sim.gasMeasured };
  // The contract already enforces minProfit; this keeps the guarantee even for a contract that returned less.
  if (sim.profit < p.minProfit) {
    return {
      ok: false,
      simulation,
      skip: skip("not-profitable", `simulated profit ${sim.profit} below the floor ${p.minProfit}`),
    };
  }

  let fees: Eip1559Fees;
  try {
    fees = await getExecutorFees(client, p.fees);
  } catch (err) {
    // An unusable fee policy (or a chain without EIP-1559) is a configuration mistake, not a chain condition.
    if (err instanceof FeeConfigError) throw err;
    const e = decodeExecutorError(err, "Fee read");
    return {
      ok: false,
      simulation,
      skip: skip("rpc-error", `RPC error during fees: ${e.shortMessage}`, {
        error: e,
        deterministic: e.classification === "deterministic",
      }),
    };
  }
  if (fees.maxFeePerGas < fees.baseFeePerGas) {
    // The base fee moves every block: the same cap may fit the next one.
    return {
      ok: false,
      simulation,
      skip: skip("fee-cap", `fee cap ${fees.maxFeePerGas} wei under the base fee ${fees.baseFeePerGas} wei`, {
        deterministic: false,
      }),
    };
  }

  // EIP-7825: a transaction may not ask for more than 2^24 gas; nodes refuse it outright. A batch that needs more is
  // cut by the keeper (code "gas-cap" is bisected like a failed simulation); one within the cap keeps the margin
  // that still fits under it.
  if (sim.gas > TX_GAS_CAP) {
    return {
      ok: false,
      simulation,
      skip: skip("gas-cap", `gas estimate ${sim.gas} is above the per-transaction cap of 2^24 (${TX_GAS_CAP})`),
    };
  }
  const wanted = gasLimitFor(sim.gas, p.gasLimitMultiplierBps);
  const gasLimit = wanted < TX_GAS_CAP ? wanted : TX_GAS_CAP;
  const l1FeeWei = p.l1FeeWei ?? 0n;
  const worstCaseGasCostWei = gasCostWei(gasLimit, fees) + l1FeeWei;
  const expectedProfitWei =
    typeof p.expectedProfitWei === "bigint" ? p.expectedProfitWei : p.expectedProfitWei(sim.profit, sim.profitToken);
  if (
    !gasWithinProfit({ gasLimit, maxFeePerGas: fees.maxFeePerGas, expectedProfitWei: expectedProfitWei - l1FeeWei })
  ) {
    const l1 = l1FeeWei > 0n ? ` (${l1FeeWei} wei of it the L1 data fee)` : "";
    return {
      ok: false,
      simulation,
      skip: skip(
        "not-profitable",
        `worst-case gas ${worstCaseGasCostWei} wei${l1} exceeds the expected profit ${expectedProfitWei} wei`,
      ),
    };
  }
  return {
    ok: true,
    send: {
      action: p.action,
      calldata: encodeAction(p.action),
      simulation,
      gasLimit,
      fees,
      expectedProfitWei,
      worstCaseGasCostWei,
    },
  };
}
