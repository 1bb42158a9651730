/**
 * Deploys KeeperExecutor to a JSON-RPC node and prints its address.
 *
 *   npx tsx scripts/deploy-executor.ts --rpc http://127.0.0.1:8545 --deployment world.json [--owner 0x..] [--keeper 0x..]
 *
 * The executor's Aave pool, Morpho and Uniswap V2/V3 factories come from the deployment file (--deployment, or
 * DEPLOYMENT_FILE): they are fixed in the contract, which trusts no other lender and no venue outside those factories
 * unless the owner allowlists it. A section the file lacks deploys as address(0) (that protocol unusable). Inventory
 * rebalances are refused until the owner sets caps (setInventoryCap).
 *
 * The deployer (and, without --owner, the owner) is the account of PRIVATE_KEY when that variable is set, else the
 * node's first unlocked account (Hardhat / anvil development nodes). The key is only handed to viem's local
 * signer: it is never printed or logged.
 */
import { parseArgs } from "node:util";
import { createPublicClient, getAddress, http, isAddress, isHex, type Account, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createHttpClients, redactUrl, resolveChain } from "../src/chain/clients.js";
import { KeeperError } from "../src/errors.js";
import { deployExecutor, executorProtocols } from "../src/executor/deploy.js";
import { loadDeployment } from "../src/chain/deployment.js";
import { DEPLOYMENT_SECTIONS } from "../src/protocols/registry.js";

const { values } = parseArgs({
  options: {
    rpc: { type: "string", default: process.env.RPC_URL },
    owner: { type: "string" },
    keeper: { type: "string" },
    deployment: { type: "string", default: process.env.DEPLOYMENT_FILE },
  },
});

function addressOption(name: string, value: string | undefined): Address | undefined {
  if (value === undefined) return undefined;
  if (!isAddress(value))
    throw new KeeperError(`Invalid --${name}: "${value}".`, {
      metaMessages: ["Expected a 0x-prefixed 20-byte address."],
    });
  return getAddress(value);
}

/** The signer: PRIVATE_KEY as a local account, else the node's first unlocked account. */
async function signer(rpcUrl: string): Promise<Account | Address> {
  const key = process.env.PRIVATE_KEY?.trim();
  if (key) {
    const hex = key.startsWith("0x") ? key : `0x${key}`;
    // Say what is wrong without echoing any part of the key.
    if (!isHex(hex) || hex.length !== 66) throw new KeeperError("PRIVATE_KEY is not a 32-byte hex private key.");
    return privateKeyToAccount(hex);
  }
  const accounts = (await createPublicClient({ transport: http(rpcUrl) }).request({
    method: "eth_accounts",
  } as never)) as Address[];
  const first = accounts[0];
  if (!first) {
    throw new KeeperError(`The node at ${redactUrl(rpcUrl)} unlocks no account.`, {
      metaMessages: ["Set the PRIVATE_KEY environment variable to deploy from your own account."],
    });
  }
  return getAddress(first);
}

async function main(): Promise<void> {
  const rpcUrl = values.rpc;
  if (!rpcUrl) throw new KeeperError("No RPC endpoint.", { metaMessages: ["Pass --rpc <url> or set RPC_URL."] });
  const owner = addressOption("owner", values.owner);
  const keeper = addressOption("keeper", values.keeper);
  if (!values.deployment)
    throw new KeeperError("No deployment file.", {
      metaMessages: [
        "Pass --deployment <file> or set DEPLOYMENT_FILE: the executor's protocol addresses come from it.",
      ],
    });
  const protocols = executorProtocols(loadDeployment(values.deployment, DEPLOYMENT_SECTIONS));
  const chain = await resolveChain(rpcUrl);
  const account = await signer(rpcUrl);
  const clients = createHttpClients({ chain, rpcUrl, account });
  const deployer = clients.wallet.account.address;
  const address = await deployExecutor(clients, {
    protocols,
    ...(owner ? { owner } : {}),
    ...(keeper ? { keeper } : {}),
  });
  console.log(`KeeperExecutor deployed at ${address}`);
  console.log(`  chain    ${chain.id} (${redactUrl(rpcUrl)})`);
  console.log(`  deployer ${deployer}`);
  console.log(`  owner    ${owner ?? deployer}`);
  if (keeper) console.log(`  keeper   ${keeper}`);
  for (const [name, address_] of Object.entries(protocols)) console.log(`  ${name.padEnd(16)} ${address_}`);
}

main().catch((err) => {
  console.error(err instanceof KeeperError ? err.message : err);
  process.exit(err instanceof KeeperError ? 2 : 1);
});
