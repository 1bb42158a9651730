import { parseAbi, parseAbiItem } from "viem";

/** The parts of Aave V3's Pool the keeper reads and calls (signatures from @aave/core-v3 IPool.sol). */
export const aavePoolAbi = parseAbi([
  "struct ReserveData { uint256 configuration; uint128 liquidityIndex; uint128 currentLiquidityRate; uint128 variableBorrowIndex; uint128 currentVariableBorrowRate; uint128 currentStableBorrowRate; uint40 lastUpdateTimestamp; uint16 id; address aTokenAddress; address stableDebtTokenAddress; address variableDebtTokenAddress; address interestRateStrategyAddress; uint128 accruedToTreasury; uint128 unbacked; uint128 isolationModeTotalDebt; }",
  "function getReservesList() view returns (address[])",
  "function FLASHLOAN_PREMIUM_TOTAL() view returns (uint128)",
  "function getReserveData(address asset) view returns (ReserveData)",
  "function getUserAccountData(address user) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)",
  "function getUserConfiguration(address user) view returns ((uint256 data))",
  "function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken)",
]);

/** v3.6 (v3.2+) eMode getters, the user's category, and the per-reserve liquidation grace period. */
export const aaveEModeAbi = parseAbi([
  "function getEModeCategoryCollateralConfig(uint8 id) view returns ((uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus))",
  "function getEModeCategoryCollateralBitmap(uint8 id) view returns (uint128)",
  "function getEModeCategoryBorrowableBitmap(uint8 id) view returns (uint128)",
  "function getEModeCategoryLtvzeroBitmap(uint8 id) view returns (uint128)",
  "function getEModeCategoryLabel(uint8 id) view returns (string)",
  "function getUserEMode(address user) view returns (uint256)",
  "function getLiquidationGracePeriod(address asset) view returns (uint40)",
]);

export const aaveOracleAbi = parseAbi(["function getAssetPrice(address asset) view returns (uint256)"]);

export const erc20BalanceAbi = parseAbi(["function balanceOf(address) view returns (uint256)"]);

/** Borrow events reveal every account that holds debt: the only accounts that can become liquidatable. */
export const aaveBorrowEvent = parseAbiItem(
  "event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)",
);

/**
 * Pool events that change an account's health other than prices and interest: a re-read is due for the accounts
 * they name (Borrow's onBehalfOf, Withdraw's user, ...).
 */
export const aavePoolAccountEvents = [
  aaveBorrowEvent,
  parseAbiItem(
    "event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode)",
  ),
  parseAbiItem("event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount)"),
  parseAbiItem(
    "event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens)",
  ),
  parseAbiItem("event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user)"),
  parseAbiItem("event ReserveUsedAsCollateralDisabled(address indexed reserve, address indexed user)"),
  // A category change moves the user's thresholds and bonus without touching a balance.
  parseAbiItem("event UserEModeSet(address indexed user, uint8 categoryId)"),
  parseAbiItem(
    "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
  ),
] as const;

/** aToken transfers move collateral between accounts without a pool event: the sender's health falls. */
export const aTokenBalanceTransferEvent = parseAbiItem(
  "event BalanceTransfer(address indexed from, address indexed to, uint256 value, uint256 index)",
);
