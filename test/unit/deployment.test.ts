import { describe, expect, it } from "vitest";
import { DeploymentError, parseDeployment } from "../../src/chain/deployment.js";
import { DEPLOYMENT_SECTIONS } from "../../src/protocols/registry.js";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const base = {
  chainId: 1,
  startBlock: "100",
  multicall3: "0xca11bde05977b3631167028862be2a173976ca11",
  tokens: {
    WETH: { address: A(1), symbol: "WETH", decimals: 18 },
    DAI: { address: A(2), symbol: "DAI", decimals: 18 },
  },
  feeds: { WETH: A(3), DAI: A(4) },
};

describe("deployment schema", () => {
  it("reads a deployment with any tokens and only the sections it has; addresses come back checksummed", () => {
    const d = parseDeployment(
      { ...base, uniswapV2: { pairs: { WETH_DAI: { address: A(5), token0: A(1), token1: A(2) } } } },
      DEPLOYMENT_SECTIONS,
    );
    expect(d.startBlock).toBe(100n);
    expect(d.multicall3).toBe("0xcA11bde05977b3631167028862bE2a173976CA11");
    expect(Object.keys(d.tokens)).toEqual(["WETH", "DAI"]);
    expect(d.uniswapV2?.pairs.WETH_DAI.address).toBe(A(5));
    expect(d.aave).toBeUndefined();
    expect(d.morpho).toBeUndefined();
  });

  it("reads a single-market Morpho section of the older shape as a one-market list", () => {
    const params = { loanToken: A(2), collateralToken: A(1), oracle: A(6), irm: A(0), lltv: "860000000000000000" };
    const d = parseDeployment(
      { ...base, morpho: { morpho: A(7), marketId: `0x${"11".repeat(32)}`, marketParams: params } },
      DEPLOYMENT_SECTIONS,
    );
    expect(d.morpho?.markets).toEqual([
      { id: `0x${"11".repeat(32)}`, params: { ...params, lltv: 860000000000000000n } },
    ]);
  });

  it("names every bad field with its path, in one error", () => {
    const bad = {
      ...base,
      startBlock: "-1",
      aave: { pool: "0x123", oracle: A(8) },
      uniswapV3: { pools: { P: { address: A(9), token0: A(1), token1: A(2), fee: "3000" } } },
    };
    let err: unknown;
    try {
      parseDeployment(bad, DEPLOYMENT_SECTIONS, "world.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeploymentError);
    const msg = (err as DeploymentError).message;
    expect(msg).toContain("world.json.startBlock");
    expect(msg).toContain("world.json.aave.pool: expected a 0x-prefixed 20-byte address");
    expect(msg).toContain("world.json.uniswapV3.pools.P.fee");
    expect(msg).toContain("world.json.uniswapV3.pools.P.tickSpacing");
  });
});
