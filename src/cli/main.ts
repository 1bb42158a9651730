import { runDemo } from "../demo/demo.js";
import { KeeperError } from "../errors.js";
import {
  CONFIG_EXIT_CODE,
  ConfigError,
  configSecrets,
  loadConfig,
  SETTING_NAMES,
  SETTINGS,
  type KeeperConfig,
} from "../config/index.js";
import { createRedactor, redactUrlsInText } from "../redact.js";
import { takeFlags } from "./flags.js";
import { runDeployment } from "./deployment.js";
import { runAudit } from "./audit.js";
import { runExplain } from "./explain.js";
import { runKeeper } from "./run.js";
import { runScan } from "./scan.js";
import { runSimulate } from "./simulate.js";

const SETTINGS_NOTE = "Every setting can come from .env, the environment or a flag (flags win); see .env.example.";

const HELP: Record<string, string> = {
  "": `keeper <command> [options]

commands:
  run        run the keeper against a chain (or, with --fork-url, against a local fork of it)
  scan       read the chain once and print what the keeper would do; sends nothing
  simulate   fork the chain locally, apply a price shock or a swap, and show what the keeper would do and earn
  explain    what the keeper saw and decided about an account, a pool or a transaction, block by block
  audit      the liquidations other liquidators won, and what the keeper had decided about each
  deployment print a real chain's deployment (--chain ethereum|base|arbitrum) as JSON, to inspect and pin
  world      start a hardhat node holding the world of real protocols (same as npm run world)
  demo       the end-to-end demo on an embedded chain (same as npm start)

keeper <command> --help for the command's options.`,
  run: `keeper run [options]

  --rpc <url>                 JSON-RPC endpoint (RPC_URL)
  --fork-url <url>            instead: start a local hardhat fork of this chain and rehearse on it (FORK_URL)
  --fork-block <n>            block to fork at (FORK_BLOCK, default: the chain's head)
  --deployment-file <path>    protocol addresses, as written by npm run world (DEPLOYMENT_FILE)
  --chain <name>              instead: a real chain's preset, ethereum, base or arbitrum (CHAIN)
  --rpc-urls <url,url>        more endpoints of the same chain, read through a ranked failover (RPC_URLS)
  --executor-address <addr>   our KeeperExecutor (EXECUTOR_ADDRESS)
  --watch <list>              aave-v3,morpho-blue,uniswap-v2,uniswap-v3 (WATCH)
  --min-profit-usd <usd>      skip what nets less after gas (MIN_PROFIT_USD)
  --dry-run                   simulate everything, send nothing (DRY_RUN)
  --report-file <path>        write the JSON report on exit (REPORT_FILE)
  PRIVATE_KEY, or KEYSTORE_PATH + KEYSTORE_PASSWORD, come from the environment or .env.
${SETTINGS_NOTE}`,
  scan: `keeper scan [--json] [--rpc <url>] [--deployment-file <path>] [...settings]

  Reads one snapshot at the head and prints the ranked actions and every skip with its reason.
${SETTINGS_NOTE}`,
  simulate: `keeper simulate --rpc <url> [--shock SYMBOL=-12%|SYMBOL=2640]... [--swap PAIR=BPS]... [--blocks 3] [--json]

  --shock WETH=-12%     move a feed by a percentage, or set it: WETH=2640 (USD)
  --swap WETH_USDC=-450 skew a V2 pair by bps with a real swap (WETH_USDC, WBTC_USDC, WBTC_WETH; V3=-350 for the V3 pool)
  --blocks <n>          blocks to let the keeper act (default 3)
  --arbitrage <s>       arbitrageurs close this fraction (0 < s <= 1) of every pool's gap to the feeds each block
  --fork-block <n>      block to fork at (default the head)
  --json                print the report as JSON
  Runs on a local fork with a fresh executor and the fork's development accounts; the target chain is only read.
${SETTINGS_NOTE}`,
  deployment: `keeper deployment --chain ethereum|base|arbitrum [--rpc <url>]

  Prints the chain's deployment as JSON: Aave, Morpho Blue, the Uniswap factories and Multicall3 from maintained
  packages; with --rpc, the V2 pairs and V3 pools of its main tokens resolved from the factories. Save it, edit it,
  and run with --deployment-file to pin it. Without --rpc the pairs and pools are left empty (said on stderr).
${SETTINGS_NOTE}`,
  explain: `keeper explain <account|pool|opportunity-id|tx-hash> [--block N] [--data-dir <dir>] [--limit N]

  Prints, block by block, what the keeper recorded about the subject: seen (with its health factor or skew),
  skipped (with the reason and its numbers), sent, and the outcome (mined, reverted, with the tx hash). For a tx
  hash, also its intent, every transaction signed for it and the receipt. Reads the journal in --data-dir
  (DATA_DIR, default ./data) read-only: safe while the keeper runs.
  --block <n>   only this block
  --limit <n>   at most this many rows, the latest (default 500)`,
  audit: `keeper audit [--from-block N] [--json] [--data-dir <dir>]

  Every liquidation on a watched lending protocol that another liquidator won, with the winner (the liquidator and
  the transaction's sender), the borrower and amounts, how many blocks after the keeper first had the position under
  HF 1 (from the decision log), and why the keeper did not take it: not-seen, skipped (with the reason), dry-run,
  too-late (sent, beaten) or reverted. Prints the counts by cause, the median blocks late and the list. Reads the
  journal in --data-dir (DATA_DIR, default ./data) read-only: safe while the keeper runs.
  --from-block <n>  only misses from this block on
  --json            the summary as JSON`,
  world:
    "keeper world [--port 8545] [--out world.json] [--aave-borrowers 50] [--morpho-borrowers 20] [--seed 1] [--rpc <url>]",
  demo: "keeper demo [--report out.json]\n\n  The end-to-end demo on an embedded chain; --report also writes the summary as JSON.",
};

/**
 * Every secret this process knows of, for the last-resort error printer: the secret settings in the environment
 * from the start, the whole configuration's once it is loaded.
 */
const knownSecrets: string[] = SETTING_NAMES.filter((n) => SETTINGS[n].secret).flatMap((n) => process.env[n] ?? []);

function config(argv: string[], command: string): KeeperConfig {
  const loaded = loadConfig({ argv, env: process.env, command });
  knownSecrets.push(...configSecrets(loaded));
  return loaded;
}

/**
 * Prints an error that reached the top, redacted: known secrets, and the credentials of every URL in it (viem's
 * messages and stacks quote the request URL, where providers put API keys). Our own errors print their message
 * (what to fix); anything else its stack, which is what a bug report needs.
 */
function printFatal(err: unknown): void {
  const text =
    err instanceof KeeperError
      ? err.message
      : err instanceof Error
        ? (err.stack ?? `${err.name}: ${err.message}`)
        : String(err);
  console.error(redactUrlsInText(createRedactor(knownSecrets)(text)));
}

async function main(argv: string[]): Promise<number> {
  const [command = "", ...rest] = argv;
  if (!(command in HELP) || command === "") {
    if (command !== "" && !["--help", "-h", "help"].includes(command)) console.error(`Unknown command "${command}".\n`);
    console.log(HELP[""]);
    return command === "" || ["--help", "-h", "help"].includes(command) ? (command === "" ? 2 : 0) : 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(HELP[command]);
    return 0;
  }
  try {
    switch (command) {
      case "demo": {
        const { values } = takeFlags(rest, { report: "string" });
        const { problems } = await runDemo({ reportFile: (values.report as string[] | undefined)?.[0] });
        return problems.length === 0 ? 0 : 1;
      }
      case "world":
        return await (await import("./world.js")).runWorld(rest);
      case "run":
        return await runKeeper(config(rest, "run"));
      case "explain":
        return runExplain(rest);
      case "audit":
        return runAudit(rest);
      case "deployment":
        return await runDeployment(config(rest, "deployment"));
      case "scan": {
        const { values, rest: others } = takeFlags(rest, { json: "boolean" });
        return await runScan(config(others, "scan"), values.json === true);
      }
      case "simulate": {
        const { values, rest: others } = takeFlags(rest, {
          shock: "string",
          swap: "string",
          blocks: "string",
          json: "boolean",
          arbitrage: "string",
        });
        const blocks = Number((values.blocks as string[] | undefined)?.[0] ?? 3);
        if (!Number.isInteger(blocks) || blocks < 1)
          throw new KeeperError(`Invalid --blocks.`, { metaMessages: ["Expected a positive integer."] });
        const arbText = (values.arbitrage as string[] | undefined)?.[0];
        const arbitrage = arbText === undefined ? 0 : Number(arbText);
        if (!(arbitrage >= 0 && arbitrage <= 1) || (arbText !== undefined && !/^\d*\.?\d+$/.test(arbText))) {
          throw new KeeperError(`Invalid --arbitrage "${arbText}".`, {
            metaMessages: [
              "Expected the fraction of each pool's gap to the feeds closed per block, from 0 to 1, e.g. 0.3.",
            ],
          });
        }
        const { code } = await runSimulate(config(others, "simulate"), {
          shocks: (values.shock as string[] | undefined) ?? [],
          swaps: (values.swap as string[] | undefined) ?? [],
          blocks,
          json: values.json === true,
          arbitrage,
        });
        return code;
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      printFatal(err);
      return CONFIG_EXIT_CODE;
    }
    throw err;
  }
  return 2;
}

/**
 * Exits with `code` once stdout and stderr have taken everything written to them: on a pipe, writes are
 * asynchronous and `process.exit` drops what is still queued (a `scan --json` piped to `jq` would lose its tail).
 * A write's callback runs after every earlier write to the stream has been handed over, so one empty write per
 * stream marks the end. Exiting explicitly, rather than waiting for the loop to empty, still ends a command whose
 * library left a timer or socket open.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write("", done);
  }
}

const fatal = (err: unknown): void => {
  printFatal(err);
  exitWhenFlushed(err instanceof KeeperError ? 2 : 1);
};
// A rejection nobody awaited must not print its raw stack (with the RPC URL) either.
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
main(process.argv.slice(2)).then(exitWhenFlushed, fatal);
