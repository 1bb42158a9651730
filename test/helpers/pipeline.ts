/**
 * Runs one action through the keeper's send pipeline (SendPipeline over the journaled TxSender, in-memory journal)
 * on a local chain, signing locally as a Hardhat development account: what the keeper does, minus the strategy.
 */
import type { Address, Chain, PublicClient, Transport } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import type { ExecutorAction, SendOutcome } from "../../src/executor/index.js";
import type { FeeConfig } from "../../src/executor/fees.js";
import { createLocalPipeline } from "../../src/keeper/pipeline.js";
import type { Journal } from "../../src/journal/journal.js";
import type { ExpectedProfitWei } from "../../src/txlayer/index.js";

export async function sendThroughPipeline(
  client: PublicClient<Transport, Chain>,
  p: {
    executor: Address;
    accountIndex: number;
    action: ExecutorAction;
    minProfit: bigint;
    fees: FeeConfig;
    expectedProfitWei: ExpectedProfitWei;
  },
): Promise<{ outcome: SendOutcome; journal: Journal }> {
  const { pipeline, journal } = createLocalPipeline({
    client,
    executor: p.executor,
    account: devAccount(p.accountIndex),
    fees: p.fees,
    pollIntervalMs: 10,
  });
  const outcome = await pipeline.send({
    opportunityId: `test:${p.action.kind}`,
    action: p.action,
    blockSeen: await client.getBlockNumber({ cacheTime: 0 }),
    expectedProfitWei: p.expectedProfitWei,
    minProfit: p.minProfit,
  });
  return { outcome, journal };
}
