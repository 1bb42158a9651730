/**
 * `npm run world`: the same as `keeper world` (src/cli/world.ts), run from the source checkout.
 *
 *   npm run world -- [--port 8545] [--out world.json] [--aave-borrowers 50] [--morpho-borrowers 20] [--seed 1]
 *   npm run world -- --rpc http://127.0.0.1:8545   # deploy into a node that is already running
 */
import { runWorld } from "../src/cli/world.js";
import { KeeperError } from "../src/errors.js";

// Exits once stdout has drained: the HTTP clients' idle keep-alive sockets would otherwise hold the process open.
const exit = (code: number): boolean => process.stdout.write("", () => process.exit(code));
runWorld(process.argv.slice(2)).then(exit, (err) => {
  console.error(err instanceof KeeperError ? err.message : err);
  exit(err instanceof KeeperError ? 2 : 1);
});
