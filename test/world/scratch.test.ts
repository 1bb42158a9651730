import { test, expect } from "vitest";
import { network } from "hardhat";
import { deployWorld } from "../../src/world/index.js";
test("deploy", async () => {
  const conn = await network.create();
  const pub = await conn.viem.getPublicClient();
  const [w] = await conn.viem.getWalletClients();
  const t0 = performance.now();
  const world = await deployWorld({ public: pub as any, wallet: w as any }, { aaveBorrowers: 10, morphoBorrowers: 10 });
  console.log("ms", performance.now() - t0, await pub.getBlockNumber());
  console.log(world.borrowers);
  expect(world.borrowers.aave.length).toBe(10);
});
