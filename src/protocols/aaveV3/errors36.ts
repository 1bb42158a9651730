/**
 * Aave V3.6 custom errors (aave-v3-origin 3.6.0 protocol/libraries/helpers/Errors.sol): signature and the
 * description its comment gives. Since v3.2 Aave reverts with these selectors, not numeric reason strings.
 */
export const AAVE_V36_ERRORS: Readonly<Record<string, { signature: string; description: string }>> = {
  CallerNotPoolAdmin: {
    signature: "error CallerNotPoolAdmin()",
    description: "The caller of the function is not a pool admin",
  },
  CallerNotPoolOrEmergencyAdmin: {
    signature: "error CallerNotPoolOrEmergencyAdmin()",
    description: "The caller of the function is not a pool or emergency admin",
  },
  CallerNotRiskOrPoolAdmin: {
    signature: "error CallerNotRiskOrPoolAdmin()",
    description: "The caller of the function is not a risk or pool admin",
  },
  CallerNotAssetListingOrPoolAdmin: {
    signature: "error CallerNotAssetListingOrPoolAdmin()",
    description: "The caller of the function is not an asset listing or pool admin",
  },
  AddressesProviderNotRegistered: {
    signature: "error AddressesProviderNotRegistered()",
    description: "Pool addresses provider is not registered",
  },
  InvalidAddressesProviderId: {
    signature: "error InvalidAddressesProviderId()",
    description: "Invalid id for the pool addresses provider",
  },
  NotContract: { signature: "error NotContract()", description: "Address is not a contract" },
  CallerNotPoolConfigurator: {
    signature: "error CallerNotPoolConfigurator()",
    description: "The caller of the function is not the pool configurator",
  },
  CallerNotAToken: { signature: "error CallerNotAToken()", description: "The caller of the function is not an AToken" },
  InvalidAddressesProvider: {
    signature: "error InvalidAddressesProvider()",
    description: "The address of the pool addresses provider is invalid",
  },
  InvalidFlashloanExecutorReturn: {
    signature: "error InvalidFlashloanExecutorReturn()",
    description: "Invalid return value of the flashloan executor function",
  },
  ReserveAlreadyAdded: {
    signature: "error ReserveAlreadyAdded()",
    description: "Reserve has already been added to reserve list",
  },
  NoMoreReservesAllowed: {
    signature: "error NoMoreReservesAllowed()",
    description: "Maximum amount of reserves in the pool reached",
  },
  EModeCategoryReserved: {
    signature: "error EModeCategoryReserved()",
    description: "Zero eMode category is reserved for volatile heterogeneous assets",
  },
  ReserveLiquidityNotZero: {
    signature: "error ReserveLiquidityNotZero()",
    description: "The liquidity of the reserve needs to be 0",
  },
  FlashloanPremiumInvalid: { signature: "error FlashloanPremiumInvalid()", description: "Invalid flashloan premium" },
  InvalidReserveParams: {
    signature: "error InvalidReserveParams()",
    description: "Invalid risk parameters for the reserve",
  },
  InvalidEmodeCategoryParams: {
    signature: "error InvalidEmodeCategoryParams()",
    description: "Invalid risk parameters for the eMode category",
  },
  CallerMustBePool: {
    signature: "error CallerMustBePool()",
    description: "The caller of this function must be a pool",
  },
  InvalidMintAmount: { signature: "error InvalidMintAmount()", description: "Invalid amount to mint" },
  InvalidBurnAmount: { signature: "error InvalidBurnAmount()", description: "Invalid amount to burn" },
  InvalidAmount: { signature: "error InvalidAmount()", description: "Amount must be greater than 0" },
  ReserveInactive: { signature: "error ReserveInactive()", description: "Action requires an active reserve" },
  ReserveFrozen: {
    signature: "error ReserveFrozen()",
    description: "Action cannot be performed because the reserve is frozen",
  },
  ReservePaused: {
    signature: "error ReservePaused()",
    description: "Action cannot be performed because the reserve is paused",
  },
  BorrowingNotEnabled: { signature: "error BorrowingNotEnabled()", description: "Borrowing is not enabled" },
  NotEnoughAvailableUserBalance: {
    signature: "error NotEnoughAvailableUserBalance()",
    description: "User cannot withdraw more than the available balance",
  },
  InvalidInterestRateModeSelected: {
    signature: "error InvalidInterestRateModeSelected()",
    description: "Invalid interest rate mode selected",
  },
  HealthFactorLowerThanLiquidationThreshold: {
    signature: "error HealthFactorLowerThanLiquidationThreshold()",
    description: "Health factor is below the liquidation threshold",
  },
  CollateralCannotCoverNewBorrow: {
    signature: "error CollateralCannotCoverNewBorrow()",
    description: "There is not enough collateral to cover a new borrow",
  },
  NoDebtOfSelectedType: {
    signature: "error NoDebtOfSelectedType()",
    description: "For repayment of a specific type of debt, the user needs to have debt that type",
  },
  NoExplicitAmountToRepayOnBehalf: {
    signature: "error NoExplicitAmountToRepayOnBehalf()",
    description: "To repay on behalf of a user an explicit amount to repay is needed",
  },
  UnderlyingBalanceZero: {
    signature: "error UnderlyingBalanceZero()",
    description: "The underlying balance needs to be greater than 0",
  },
  HealthFactorNotBelowThreshold: {
    signature: "error HealthFactorNotBelowThreshold()",
    description: "Health factor is not below the threshold",
  },
  CollateralCannotBeLiquidated: {
    signature: "error CollateralCannotBeLiquidated()",
    description: "The collateral chosen cannot be liquidated",
  },
  SpecifiedCurrencyNotBorrowedByUser: {
    signature: "error SpecifiedCurrencyNotBorrowedByUser()",
    description: "User did not borrow the specified currency",
  },
  InconsistentFlashloanParams: {
    signature: "error InconsistentFlashloanParams()",
    description: "Inconsistent flashloan parameters",
  },
  BorrowCapExceeded: { signature: "error BorrowCapExceeded()", description: "Borrow cap is exceeded" },
  SupplyCapExceeded: { signature: "error SupplyCapExceeded()", description: "Supply cap is exceeded" },
  DebtCeilingExceeded: { signature: "error DebtCeilingExceeded()", description: "Debt ceiling is exceeded" },
  UnderlyingClaimableRightsNotZero: {
    signature: "error UnderlyingClaimableRightsNotZero()",
    description: "Claimable rights over underlying not zero (aToken supply or accruedToTreasury)",
  },
  VariableDebtSupplyNotZero: {
    signature: "error VariableDebtSupplyNotZero()",
    description: "Variable debt supply is not zero",
  },
  LtvValidationFailed: { signature: "error LtvValidationFailed()", description: "Ltv validation failed" },
  InconsistentEModeCategory: {
    signature: "error InconsistentEModeCategory()",
    description: "Inconsistent eMode category",
  },
  PriceOracleSentinelCheckFailed: {
    signature: "error PriceOracleSentinelCheckFailed()",
    description: "Price oracle sentinel validation failed",
  },
  AssetNotBorrowableInIsolation: {
    signature: "error AssetNotBorrowableInIsolation()",
    description: "Asset is not borrowable in isolation mode",
  },
  ReserveAlreadyInitialized: {
    signature: "error ReserveAlreadyInitialized()",
    description: "Reserve has already been initialized",
  },
  UserInIsolationModeOrLtvZero: {
    signature: "error UserInIsolationModeOrLtvZero()",
    description: "User is in isolation mode or ltv is zero",
  },
  InvalidLtv: { signature: "error InvalidLtv()", description: "Invalid ltv parameter for the reserve" },
  InvalidLiquidationThreshold: {
    signature: "error InvalidLiquidationThreshold()",
    description: "Invalid liquidity threshold parameter for the reserve",
  },
  InvalidLiquidationBonus: {
    signature: "error InvalidLiquidationBonus()",
    description: "Invalid liquidity bonus parameter for the reserve",
  },
  InvalidDecimals: {
    signature: "error InvalidDecimals()",
    description: "Invalid decimals parameter of the underlying asset of the reserve",
  },
  InvalidReserveFactor: {
    signature: "error InvalidReserveFactor()",
    description: "Invalid reserve factor parameter for the reserve",
  },
  InvalidBorrowCap: { signature: "error InvalidBorrowCap()", description: "Invalid borrow cap for the reserve" },
  InvalidSupplyCap: { signature: "error InvalidSupplyCap()", description: "Invalid supply cap for the reserve" },
  InvalidLiquidationProtocolFee: {
    signature: "error InvalidLiquidationProtocolFee()",
    description: "Invalid liquidation protocol fee for the reserve",
  },
  InvalidDebtCeiling: { signature: "error InvalidDebtCeiling()", description: "Invalid debt ceiling for the reserve" },
  InvalidReserveIndex: { signature: "error InvalidReserveIndex()", description: "Invalid reserve index" },
  AclAdminCannotBeZero: {
    signature: "error AclAdminCannotBeZero()",
    description: "ACL admin cannot be set to the zero address",
  },
  InconsistentParamsLength: {
    signature: "error InconsistentParamsLength()",
    description: "Array parameters that should be equal length are not",
  },
  ZeroAddressNotValid: { signature: "error ZeroAddressNotValid()", description: "Zero address not valid" },
  InvalidExpiration: { signature: "error InvalidExpiration()", description: "Invalid expiration" },
  InvalidSignature: { signature: "error InvalidSignature()", description: "Invalid signature" },
  OperationNotSupported: { signature: "error OperationNotSupported()", description: "Operation not supported" },
  DebtCeilingNotZero: { signature: "error DebtCeilingNotZero()", description: "Debt ceiling is not zero" },
  AssetNotListed: { signature: "error AssetNotListed()", description: "Asset is not listed" },
  InvalidOptimalUsageRatio: {
    signature: "error InvalidOptimalUsageRatio()",
    description: "Invalid optimal usage ratio",
  },
  UnderlyingCannotBeRescued: {
    signature: "error UnderlyingCannotBeRescued()",
    description: "The underlying asset cannot be rescued",
  },
  AddressesProviderAlreadyAdded: {
    signature: "error AddressesProviderAlreadyAdded()",
    description: "Reserve has already been added to reserve list",
  },
  PoolAddressesDoNotMatch: {
    signature: "error PoolAddressesDoNotMatch()",
    description:
      "The token implementation pool address and the pool address provided by the initializing pool do not match",
  },
  SiloedBorrowingViolation: {
    signature: "error SiloedBorrowingViolation()",
    description: "User is trying to borrow multiple assets including a siloed one",
  },
  ReserveDebtNotZero: {
    signature: "error ReserveDebtNotZero()",
    description: "the total debt of the reserve needs to be 0",
  },
  FlashloanDisabled: { signature: "error FlashloanDisabled()", description: "FlashLoaning for this asset is disabled" },
  InvalidMaxRate: { signature: "error InvalidMaxRate()", description: "The expect maximum borrow rate is invalid" },
  WithdrawToAToken: { signature: "error WithdrawToAToken()", description: "Withdrawing to the aToken is not allowed" },
  SupplyToAToken: { signature: "error SupplyToAToken()", description: "Supplying to the aToken is not allowed" },
  Slope2MustBeGteSlope1: {
    signature: "error Slope2MustBeGteSlope1()",
    description: "Variable interest rate slope 2 can not be lower than slope 1",
  },
  CallerNotRiskOrPoolOrEmergencyAdmin: {
    signature: "error CallerNotRiskOrPoolOrEmergencyAdmin()",
    description: "The caller of the function is not a risk, pool or emergency admin",
  },
  LiquidationGraceSentinelCheckFailed: {
    signature: "error LiquidationGraceSentinelCheckFailed()",
    description: "Liquidation grace sentinel validation failed",
  },
  InvalidGracePeriod: { signature: "error InvalidGracePeriod()", description: "Grace period above a valid range" },
  InvalidFreezeState: {
    signature: "error InvalidFreezeState()",
    description: "Reserve is already in the passed freeze state",
  },
  InvalidLtvzeroState: {
    signature: "error InvalidLtvzeroState()",
    description: "Reserve is already in the passed ltvzero state",
  },
  NotBorrowableInEMode: { signature: "error NotBorrowableInEMode()", description: "Asset not borrowable in eMode" },
  CallerNotUmbrella: {
    signature: "error CallerNotUmbrella()",
    description: "The caller of the function is not the umbrella contract",
  },
  ReserveNotInDeficit: { signature: "error ReserveNotInDeficit()", description: "The reserve is not in deficit" },
  MustNotLeaveDust: {
    signature: "error MustNotLeaveDust()",
    description: "Below a certain threshold liquidators need to take the full position",
  },
  UserCannotHaveDebt: {
    signature: "error UserCannotHaveDebt()",
    description: "Thrown when a user tries to interact with a method that requires a position without debt",
  },
  SelfLiquidation: {
    signature: "error SelfLiquidation()",
    description: "Thrown when a user tries to liquidate themselves",
  },
  CallerNotPositionManager: {
    signature: "error CallerNotPositionManager()",
    description: "Thrown when the caller has not been enabled as a position manager of the on-behalf-of user",
  },
  InvalidCollateralInEmode: {
    signature: "error InvalidCollateralInEmode(address reserve, uint256 categoryId)",
    description: "Thrown when trying to enter an eMode with an invalid collateral asset",
  },
  InvalidDebtInEmode: {
    signature: "error InvalidDebtInEmode(address reserve, uint256 categoryId)",
    description: "Thrown when trying to enter an eMode with an invalid debt asset",
  },
  MustBeEmodeCollateral: {
    signature: "error MustBeEmodeCollateral(address reserve, uint256 categoryId)",
    description: "Thrown when trying to configure an asset as eMode-ltvzero that is not an eMode collateral",
  },
};
