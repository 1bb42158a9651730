import { runDemo } from "../demo/demo.js";
import { parseArgs } from "node:util";
import { KeeperError } from "../errors.js";
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from "../config/index.js";
import { runKeeper } from "./run.js";

const RUN_HELP = `keeper run [options]   (every option is also a .env setting; see .env.example)

  --rpc <url>                 JSON-RPC endpoint (RPC_URL)
  --deployment-file <path>    protocol addresses, as written by npm run world (DEPLOYMENT_FILE, default world.json)
  --executor-address <addr>   our KeeperExecutor (EXECUTOR_ADDRESS)
  --watch <list>              aave-v3,morpho-blue,uniswap-v2,uniswap-v3 (WATCH)
  --min-profit-usd <usd>      skip opportunities netting less after gas (MIN_PROFIT_USD, default 1)
  --dry-run                   simulate everything, send nothing (DRY_RUN)
  --report-file <path>        write the JSON report on exit (REPORT_FILE)
  PRIVATE_KEY or KEYSTORE_PATH + KEYSTORE_PASSWORD come from the environment or .env; never pass keys as flags.`;

const HELP = `keeper <command> [options]

commands:
  demo       run the keeper end to end on an embedded chain with the real protocols (npm start)
  run        run the keeper against an RPC (see --help of run)

keeper <command> --help for the command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo": {
      const { values } = parseArgs({ args: rest, options: { report: { type: "string" }, help: { type: "boolean" } } });
      if (values.help) {
        console.log("keeper demo [--report out.json]\n\n  --report <file>  also write the summary as JSON (liquidations, rebalances, skipped)");
        return 0;
      }
      const { problems } = await runDemo({ reportFile: values.report });
      return problems.length === 0 ? 0 : 1;
    }
    case "run": {
      if (rest.includes("--help") || rest.includes("-h")) {
        console.log(RUN_HELP);
        return 0;
      }
      let config;
      try {
        config = loadConfig({ argv: rest, env: process.env, command: "run" });
      } catch (err) {
        if (err instanceof ConfigError) {
          console.error(err.message);
          return CONFIG_EXIT_CODE;
        }
        throw err;
      }
      return runKeeper(config);
    }
    case undefined:
    case "--help":
    case "-h":
    case "help":
      console.log(HELP);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof KeeperError ? err.message : err);
    process.exit(err instanceof KeeperError ? 2 : 1);
  },
);
