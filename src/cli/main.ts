import { runDemo } from "../demo/demo.js";
import { parseArgs } from "node:util";
import { KeeperError } from "../errors.js";

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
