/**
 * `keeper world` (and `npm run world`): starts `hardhat node`, deploys the world of real protocols into it and
 * writes every address to a JSON file, for the keeper and for people. The node keeps running until Ctrl-C.
 * It lives in src/ so the compiled package runs it without a TypeScript loader.
 *
 *   keeper world [--port 8545] [--out world.json] [--aave-borrowers 50] [--morpho-borrowers 20] [--seed 1]
 *   keeper world --rpc http://127.0.0.1:8545   # deploy into a node that is already running
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../chain/hardhatNode.js";
import { KeeperError } from "../errors.js";
import { deployWorld, worldToJson } from "../world/index.js";

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new KeeperError(`Invalid --${name}: "${v}".`, { metaMessages: ["Expected a non-negative integer."] });
  return n;
}

/** Runs `keeper world` with its command-line arguments; resolves with the exit code once the node has stopped. */
export async function runWorld(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: "string", default: "8545" },
        rpc: { type: "string" },
        out: { type: "string", default: "world.json" },
        "aave-borrowers": { type: "string", default: "50" },
        "morpho-borrowers": { type: "string", default: "20" },
        seed: { type: "string", default: "1" },
        "node-log": { type: "string", default: "hardhat-node.log" },
        "exit-after-deploy": { type: "boolean", default: false },
      },
    }));
  } catch (cause) {
    throw new KeeperError((cause as Error).message, { metaMessages: ["See keeper world --help."] });
  }
  let node: HardhatNode | undefined;
  let rpcUrl = values.rpc;
  if (!rpcUrl) {
    node = await startHardhatNode({ port: int("port", values.port), logFile: values["node-log"] });
    rpcUrl = node.url;
    console.log(`hardhat node listening on ${rpcUrl} (pid ${node.pid}, log in ${values["node-log"]})`);
  }
  try {
    const chain = await resolveChain(rpcUrl);
    // The node's first unlocked account deploys: no private key needs to be handled here.
    const [deployer] = (await createPublicClient({ chain, transport: http(rpcUrl) }).request({
      method: "eth_accounts",
    } as never)) as Address[];
    if (!deployer)
      throw new KeeperError(`The node at ${rpcUrl} unlocks no account to deploy with.`, {
        metaMessages: ["Use a Hardhat or anvil development node."],
      });
    const clients = createHttpClients({ chain, rpcUrl, account: deployer, pollingInterval: 20 });
    const t0 = performance.now();
    const world = await deployWorld(clients, {
      aaveBorrowers: int("aave-borrowers", values["aave-borrowers"]),
      morphoBorrowers: int("morpho-borrowers", values["morpho-borrowers"]),
      seed: int("seed", values.seed),
    });
    writeFileSync(values.out, worldToJson(world));
    console.log(
      `world deployed in ${((performance.now() - t0) / 1000).toFixed(1)} s, addresses written to ${values.out}`,
    );
    console.log(`  Aave V3 pool      ${world.aave.pool}`);
    console.log(`  Morpho Blue       ${world.morpho.morpho}, ${world.morpho.markets.length} markets`);
    const symbolOf = (a: Address) => Object.values(world.tokens).find((t) => t.address === a)?.symbol ?? a;
    for (const m of world.morpho.markets)
      console.log(
        `    ${symbolOf(m.params.collateralToken)}/${symbolOf(m.params.loanToken)} LLTV ${Number(m.params.lltv / 10n ** 13n) / 100}%  ${m.id}`,
      );
    console.log(
      `  Uniswap V2 pairs  ${Object.entries(world.uniswapV2.pairs)
        .map(([k, v]) => `${k} ${v.address}`)
        .join(", ")}`,
    );
    console.log(
      `  Uniswap V3 pools  ${Object.entries(world.uniswapV3.pools)
        .map(([k, v]) => `${k} ${v.address}`)
        .join(", ")}`,
    );
    console.log(
      `  borrowers         ${world.borrowers.aave.length} on Aave, ${world.borrowers.morpho.length} on Morpho`,
    );
    if (node && !values["exit-after-deploy"]) {
      console.log("Press Ctrl-C to stop the node.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
  } finally {
    await node?.stop();
  }
  return 0;
}
