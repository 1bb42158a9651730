import { encodeAbiParameters, getAddress, maxUint256, stringToHex, type Address } from "viem";
import { loadOwnArtifact, type Artifact } from "../chain/artifacts.js";
import { testErc20 } from "./tokens.js";
import { deploy, read, send } from "./tx.js";
import type { TokenInfo, TokenSymbol, World, WorldClients } from "./types.js";

// Today's Aave V3 (v3.6, @aave-dao/aave-v3-origin 3.6.0), compiled by Hardhat from the package's sources
// (hardhat.config.ts): the deployable `*Instance` contracts, as Aave's own deploy procedures use them.
const A = "@aave-dao/aave-v3-origin/src/contracts";
const art = (path: string, name: string): Artifact => loadOwnArtifact(`${A}/${path}.sol`, name);

export const aaveArtifacts = {
  provider: () => art("protocol/configuration/PoolAddressesProvider", "PoolAddressesProvider"),
  acl: () => art("protocol/configuration/ACLManager", "ACLManager"),
  pool: () => art("instances/PoolInstance", "PoolInstance"),
  configurator: () => art("instances/PoolConfiguratorInstance", "PoolConfiguratorInstance"),
  oracle: () => art("misc/AaveOracle", "AaveOracle"),
  dataProvider: () => art("helpers/AaveProtocolDataProvider", "AaveProtocolDataProvider"),
  aToken: () => art("instances/ATokenInstance", "ATokenInstance"),
  variableDebt: () => art("instances/VariableDebtTokenInstance", "VariableDebtTokenInstance"),
  rateStrategy: () => art("misc/DefaultReserveInterestRateStrategyV2", "DefaultReserveInterestRateStrategyV2"),
  logic: (name: string) => art(`protocol/libraries/logic/${name}`, name),
};

/** One reserve's risk parameters, in basis points as the PoolConfigurator takes them. */
export interface AaveReserveConfig {
  ltv: number;
  liquidationThreshold: number;
  liquidationBonus: number;
  reserveFactor: number;
  liquidationProtocolFee: number;
  /** Whether it can be borrowed (governance tokens are collateral only on Aave V3 Ethereum). */
  borrowing: boolean;
}

/**
 * Risk parameters per reserve, close to Aave V3 Ethereum's own (the one table: borrowers and tests read it). WETH,
 * USDC and WBTC keep the figures the world always had; GOV stands for a governance token (low LT, big bonus).
 */
export const AAVE_RESERVE_CONFIG: Record<TokenSymbol, AaveReserveConfig> = {
  WETH: {
    ltv: 8000,
    liquidationThreshold: 8250,
    liquidationBonus: 10500,
    reserveFactor: 1500,
    liquidationProtocolFee: 1000,
    borrowing: true,
  },
  USDC: {
    ltv: 7700,
    liquidationThreshold: 8000,
    liquidationBonus: 10450,
    reserveFactor: 1000,
    liquidationProtocolFee: 1000,
    borrowing: true,
  },
  WBTC: {
    ltv: 7000,
    liquidationThreshold: 7500,
    liquidationBonus: 10650,
    reserveFactor: 2000,
    liquidationProtocolFee: 1000,
    borrowing: true,
  },
  wstETH: {
    ltv: 7850,
    liquidationThreshold: 8100,
    liquidationBonus: 10600,
    reserveFactor: 500,
    liquidationProtocolFee: 1000,
    borrowing: true,
  },
  USDT: {
    ltv: 7500,
    liquidationThreshold: 7800,
    liquidationBonus: 10450,
    reserveFactor: 1000,
    liquidationProtocolFee: 1000,
    borrowing: true,
  },
  GOV: {
    ltv: 5000,
    liquidationThreshold: 6500,
    liquidationBonus: 11000,
    reserveFactor: 2000,
    liquidationProtocolFee: 1000,
    borrowing: false,
  },
};

/** An eMode category as the world configures it through PoolConfigurator (v3.6: collateral and borrowable sets). */
export interface AaveEModeConfig {
  id: number;
  label: string;
  ltv: number;
  liquidationThreshold: number;
  liquidationBonus: number;
  collateral: TokenSymbol[];
  borrowable: TokenSymbol[];
}

/** Aave V3 Ethereum's "ETH correlated" category: WETH and wstETH, LTV 93%, LT 95%, bonus 1%. */
export const AAVE_EMODES: readonly AaveEModeConfig[] = [
  {
    id: 1,
    label: "ETH correlated",
    ltv: 9300,
    liquidationThreshold: 9500,
    liquidationBonus: 10100,
    collateral: ["WETH", "wstETH"],
    borrowable: ["WETH", "wstETH"],
  },
];

/** The liquidation threshold (bps) `symbol` counts at as collateral of a user in `eModeCategory` (0 = none). */
export function liquidationThresholdBps(symbol: TokenSymbol, eModeCategory = 0): number {
  const e = AAVE_EMODES.find((m) => m.id === eModeCategory);
  return e && e.collateral.includes(symbol) ? e.liquidationThreshold : AAVE_RESERVE_CONFIG[symbol].liquidationThreshold;
}

/** The LTV (bps) `symbol` counts at as collateral of a user in `eModeCategory` (0 = none). */
export function ltvBps(symbol: TokenSymbol, eModeCategory = 0): number {
  const e = AAVE_EMODES.find((m) => m.id === eModeCategory);
  return e && e.collateral.includes(symbol) ? e.ltv : AAVE_RESERVE_CONFIG[symbol].ltv;
}

const ZERO = "0x0000000000000000000000000000000000000000";

/** Liquidity the deployer supplies to each reserve so borrowers can borrow: USD, 8 decimals. */
const SUPPLY_USD = 200_000_000n * 10n ** 8n;

/**
 * One rate curve for every reserve (v3.6 has a single strategy contract; curves are per reserve, set at listing):
 * optimal usage 80%, base 0%, slope1 4%, slope2 75%, in bps as DefaultReserveInterestRateStrategyV2 takes them.
 */
const INTEREST_RATE_DATA = encodeAbiParameters(
  [
    {
      type: "tuple",
      components: [
        { name: "optimalUsageRatio", type: "uint16" },
        { name: "baseVariableBorrowRate", type: "uint32" },
        { name: "variableRateSlope1", type: "uint32" },
        { name: "variableRateSlope2", type: "uint32" },
      ],
    },
  ],
  [{ optimalUsageRatio: 8000, baseVariableBorrowRate: 0, variableRateSlope1: 400, variableRateSlope2: 7500 }],
);

/**
 * Deploys the full Aave V3.6 market (aave-v3-origin 3.6.0, compiled here) in the order the protocol requires, lists
 * every test token with Aave-like risk parameters, prices them through AaveOracle from our feeds and adapters,
 * supplies liquidity, and configures the eMode categories through the PoolConfigurator.
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
  for (const name of ["SupplyLogic", "BorrowLogic", "LiquidationLogic", "PoolLogic", "ConfiguratorLogic"]) {
    libs[name] = await deploy(clients, aaveArtifacts.logic(name));
  }
  libs.FlashLoanLogic = await deploy(clients, aaveArtifacts.logic("FlashLoanLogic"), [], libs);

  // v3.6: one interest rate strategy for the whole pool, an immutable of the pool implementation.
  const strategy = await deploy(clients, aaveArtifacts.rateStrategy(), [provider]);
  const poolArt = aaveArtifacts.pool();
  const poolImpl = await deploy(clients, poolArt, [provider, strategy], libs);
  // The implementation marks itself initialized in its constructor; the provider deploys the proxy and
  // initializes it through the proxy.
  await call("setPoolImpl", [poolImpl]);
  const pool = getAddress(
    await read<Address>(clients, { address: provider, abi: providerArt.abi, functionName: "getPool" }),
  );

  const cfgArt = aaveArtifacts.configurator();
  const cfgImpl = await deploy(clients, cfgArt, [], libs);
  await call("setPoolConfiguratorImpl", [cfgImpl]);
  const configurator = getAddress(
    await read<Address>(clients, { address: provider, abi: providerArt.abi, functionName: "getPoolConfigurator" }),
  );

  const symbols = Object.keys(params.tokens) as TokenSymbol[];
  const oracle = await deploy(clients, aaveArtifacts.oracle(), [
    provider,
    symbols.map((s) => params.tokens[s].address),
    symbols.map((s) => params.feeds[s]),
    ZERO,
    ZERO,
    10n ** 8n,
  ]);
  await call("setPriceOracle", [oracle]);
  const dataProvider = await deploy(clients, aaveArtifacts.dataProvider(), [provider]);
  await call("setPoolDataProvider", [dataProvider]);

  // v3.6 tokens take the treasury and the rewards controller as immutables, and have no stable debt token.
  const aTokenImpl = await deploy(clients, aaveArtifacts.aToken(), [pool, ZERO, me]);
  const variableImpl = await deploy(clients, aaveArtifacts.variableDebt(), [pool, ZERO]);
  await send(clients, {
    address: configurator,
    abi: cfgArt.abi,
    functionName: "initReserves",
    args: [
      symbols.map((s) => ({
        aTokenImpl,
        variableDebtTokenImpl: variableImpl,
        underlyingAsset: params.tokens[s].address,
        aTokenName: `Aave test ${s}`,
        aTokenSymbol: `a${s}`,
        variableDebtTokenName: `Aave variable debt ${s}`,
        variableDebtTokenSymbol: `variableDebt${s}`,
        params: stringToHex(""),
        interestRateData: INTEREST_RATE_DATA,
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
    await cfg("setReserveBorrowing", [asset, c.borrowing]);
    await cfg("setReserveFactor", [asset, c.reserveFactor]);
    await cfg("setLiquidationProtocolFee", [asset, c.liquidationProtocolFee]);
    if (!c.borrowing) continue; // nothing to lend: no liquidity needed
    const amount = (SUPPLY_USD * 10n ** BigInt(params.tokens[s].decimals)) / params.prices[s];
    await send(clients, { address: asset, abi: erc20Abi, functionName: "mint", args: [me, amount] });
    await send(clients, { address: asset, abi: erc20Abi, functionName: "approve", args: [pool, maxUint256] });
    await send(clients, { address: pool, abi: poolArt.abi, functionName: "supply", args: [asset, amount, me, 0] });
  }
  for (const e of AAVE_EMODES) {
    const cfg = (functionName: string, args: unknown[]) =>
      send(clients, { address: configurator, abi: cfgArt.abi, functionName, args });
    await cfg("setEModeCategory", [e.id, e.ltv, e.liquidationThreshold, e.liquidationBonus, e.label]);
    for (const s of e.collateral) await cfg("setAssetCollateralInEMode", [params.tokens[s].address, e.id, true]);
    for (const s of e.borrowable) await cfg("setAssetBorrowableInEMode", [params.tokens[s].address, e.id, true]);
  }
  const eModes = AAVE_EMODES.map((e) => ({
    id: e.id,
    label: e.label,
    collateral: [...e.collateral],
    borrowable: [...e.borrowable],
  }));
  return { addressesProvider: provider, aclManager, pool, configurator, oracle, dataProvider, eModes };
}
