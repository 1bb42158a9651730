import { getAddress, maxUint256, stringToHex, type Address } from "viem";
import { loadPackageArtifact, type Artifact } from "../chain/artifacts.js";
import { testErc20 } from "./tokens.js";
import { deploy, read, send } from "./tx.js";
import type { TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

const A = "@aave/core-v3/artifacts/contracts";
const art = (path: string): Artifact => loadPackageArtifact(`${A}/${path}.json`);

export const aaveArtifacts = {
  provider: () => art("protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider"),
  acl: () => art("protocol/configuration/ACLManager.sol/ACLManager"),
  pool: () => art("protocol/pool/Pool.sol/Pool"),
  configurator: () => art("protocol/pool/PoolConfigurator.sol/PoolConfigurator"),
  oracle: () => art("misc/AaveOracle.sol/AaveOracle"),
  dataProvider: () => art("misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider"),
  aToken: () => art("protocol/tokenization/AToken.sol/AToken"),
  stableDebt: () => art("protocol/tokenization/StableDebtToken.sol/StableDebtToken"),
  variableDebt: () => art("protocol/tokenization/VariableDebtToken.sol/VariableDebtToken"),
  rateStrategy: () => art("protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy"),
  logic: (name: string) => art(`protocol/libraries/logic/${name}.sol/${name}`),
};

/** Risk parameters per reserve, in basis points, close to Aave V3 Ethereum's own. */
export const AAVE_RESERVE_CONFIG: Record<
  TokenSymbol,
  {
    ltv: number;
    liquidationThreshold: number;
    liquidationBonus: number;
    reserveFactor: number;
    liquidationProtocolFee: number;
  }
> = {
  WETH: {
    ltv: 8000,
    liquidationThreshold: 8250,
    liquidationBonus: 10500,
    reserveFactor: 1500,
    liquidationProtocolFee: 1000,
  },
  USDC: {
    ltv: 7700,
    liquidationThreshold: 8000,
    liquidationBonus: 10450,
    reserveFactor: 1000,
    liquidationProtocolFee: 1000,
  },
  WBTC: {
    ltv: 7000,
    liquidationThreshold: 7500,
    liquidationBonus: 10650,
    reserveFactor: 2000,
    liquidationProtocolFee: 1000,
  },
};

/** Liquidity the deployer supplies to each reserve so borrowers can borrow: USD, 8 decimals. */
const SUPPLY_USD = 200_000_000n * 10n ** 8n;

const RAY = 10n ** 27n;

/**
 * Deploys the full Aave V3 market (v1.19.3 artifacts) in the order the protocol requires, lists the three test
 * tokens with Aave-like risk parameters, prices them through AaveOracle from our feeds, and supplies liquidity.
 */
export async function deployAave(
  clients: WorldClients,
  params: {
    tokens: Record<TokenSymbol, TokenInfo>;
    feeds: Record<TokenSymbol, Address>;
    prices: Record<TokenSymbol, bigint>;
  },
): Promise<World["aave"]> {
  const me = clients.wallet.account.address;
  const providerArt = aaveArtifacts.provider();
  const provider = await deploy(clients, providerArt, ["imbalance-keeper-local", me]);
  const call = (functionName: string, args: unknown[]) =>
    send(clients, { address: provider, abi: providerArt.abi, functionName, args });
  // ACLManager's constructor reads the ACL admin from the provider, so it must be set first.
  await call("setACLAdmin", [me]);
  const aclArt = aaveArtifacts.acl();
  const aclManager = await deploy(clients, aclArt, [provider]);
  await call("setACLManager", [aclManager]);
  await send(clients, { address: aclManager, abi: aclArt.abi, functionName: "addPoolAdmin", args: [me] });
  await send(clients, { address: aclManager, abi: aclArt.abi, functionName: "addEmergencyAdmin", args: [me] });

  const libs: Record<string, Address> = {};
  for (const name of [
    "SupplyLogic",
    "BorrowLogic",
    "LiquidationLogic",
    "EModeLogic",
    "BridgeLogic",
    "PoolLogic",
    "ConfiguratorLogic",
  ]) {
    libs[name] = await deploy(clients, aaveArtifacts.logic(name));
  }
  libs.FlashLoanLogic = await deploy(clients, aaveArtifacts.logic("FlashLoanLogic"), [], libs);

  const poolArt = aaveArtifacts.pool();
  const poolImpl = await deploy(clients, poolArt, [provider], libs);
  await send(clients, { address: poolImpl, abi: poolArt.abi, functionName: "initialize", args: [provider] });
  await call("setPoolImpl", [poolImpl]);
  const pool = getAddress(
    await read<Address>(clients, { address: provider, abi: providerArt.abi, functionName: "getPool" }),
  );

  const cfgArt = aaveArtifacts.configurator();
  const cfgImpl = await deploy(clients, cfgArt, [], libs);
  await send(clients, { address: cfgImpl, abi: cfgArt.abi, functionName: "initialize", args: [provider] });
  await call("setPoolConfiguratorImpl", [cfgImpl]);
  const configurator = getAddress(
    await read<Address>(clients, { address: provider, abi: providerArt.abi, functionName: "getPoolConfigurator" }),
  );

  const symbols = Object.keys(params.tokens) as TokenSymbol[];
  const oracle = await deploy(clients, aaveArtifacts.oracle(), [
    provider,
    symbols.map((s) => params.tokens[s].address),
    symbols.map((s) => params.feeds[s]),
    "0x0000000000000000000000000000000000000000",
    "0x0000000000000000000000000000000000000000",
    10n ** 8n,
  ]);
  await call("setPriceOracle", [oracle]);
  const dataProvider = await deploy(clients, aaveArtifacts.dataProvider(), [provider]);
  await call("setPoolDataProvider", [dataProvider]);

  const aTokenImpl = await deploy(clients, aaveArtifacts.aToken(), [pool]);
  const stableImpl = await deploy(clients, aaveArtifacts.stableDebt(), [pool]);
  const variableImpl = await deploy(clients, aaveArtifacts.variableDebt(), [pool]);
  const strategy = await deploy(clients, aaveArtifacts.rateStrategy(), [
    provider,
    (RAY * 80n) / 100n, // optimal usage 80%
    0n,
    (RAY * 4n) / 100n,
    (RAY * 75n) / 100n,
    (RAY * 2n) / 100n,
    (RAY * 75n) / 100n,
    (RAY * 2n) / 100n,
    (RAY * 8n) / 100n,
    (RAY * 20n) / 100n,
  ]);
  await send(clients, {
    address: configurator,
    abi: cfgArt.abi,
    functionName: "initReserves",
    args: [
      symbols.map((s) => ({
        aTokenImpl,
        stableDebtTokenImpl: stableImpl,
        variableDebtTokenImpl: variableImpl,
        underlyingAssetDecimals: params.tokens[s].decimals,
        interestRateStrategyAddress: strategy,
        underlyingAsset: params.tokens[s].address,
        treasury: me,
        incentivesController: "0x0000000000000000000000000000000000000000",
        aTokenName: `Aave test ${s}`,
        aTokenSymbol: `a${s}`,
        variableDebtTokenName: `Aave variable debt ${s}`,
        variableDebtTokenSymbol: `variableDebt${s}`,
        stableDebtTokenName: `Aave stable debt ${s}`,
        stableDebtTokenSymbol: `stableDebt${s}`,
        params: stringToHex(""),
      })),
    ],
  });
  const erc20Abi = testErc20().abi;
  for (const s of symbols) {
    const c = AAVE_RESERVE_CONFIG[s];
    const asset = params.tokens[s].address;
    const cfg = (functionName: string, args: unknown[]) =>
      send(clients, { address: configurator, abi: cfgArt.abi, functionName, args });
    await cfg("configureReserveAsCollateral", [asset, c.ltv, c.liquidationThreshold, c.liquidationBonus]);
    await cfg("setReserveBorrowing", [asset, true]);
    await cfg("setReserveFactor", [asset, c.reserveFactor]);
    await cfg("setLiquidationProtocolFee", [asset, c.liquidationProtocolFee]);
    const amount = (SUPPLY_USD * 10n ** BigInt(params.tokens[s].decimals)) / params.prices[s];
    await send(clients, { address: asset, abi: erc20Abi, functionName: "mint", args: [me, amount] });
    await send(clients, { address: asset, abi: erc20Abi, functionName: "approve", args: [pool, maxUint256] });
    await send(clients, { address: pool, abi: poolArt.abi, functionName: "supply", args: [asset, amount, me, 0] });
  }
  return { addressesProvider: provider, aclManager, pool, configurator, oracle, dataProvider };
}
