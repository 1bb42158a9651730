import { parseAbi } from "viem";
import type { RevertTable } from "../revertTable.js";
import { AAVE_V36_ERRORS } from "./errors36.js";

/**
 * Aave V3 (@aave/core-v3 1.19 Errors.sol) codes liquidationCall can revert with, directly (ValidationLogic,
 * LiquidationLogic) or through the tokens it moves, by code. Aave reverts with the bare number as its reason.
 */
export const AAVE_ERROR_CODES: Readonly<Record<string, { name: string; description: string }>> = {
  "11": { name: "CALLER_NOT_ATOKEN", description: "The caller of the function is not an AToken" },
  "23": { name: "CALLER_MUST_BE_POOL", description: "The caller of this function must be a pool" },
  "24": { name: "INVALID_MINT_AMOUNT", description: "Invalid amount to mint" },
  "25": { name: "INVALID_BURN_AMOUNT", description: "Invalid amount to burn" },
  "26": { name: "INVALID_AMOUNT", description: "Amount must be greater than 0" },
  "27": { name: "RESERVE_INACTIVE", description: "Action requires an active reserve" },
  "28": { name: "RESERVE_FROZEN", description: "Action cannot be performed because the reserve is frozen" },
  "29": { name: "RESERVE_PAUSED", description: "Action cannot be performed because the reserve is paused" },
  "32": {
    name: "NOT_ENOUGH_AVAILABLE_USER_BALANCE",
    description: "User cannot withdraw more than the available balance",
  },
  "34": { name: "COLLATERAL_BALANCE_IS_ZERO", description: "The collateral balance is 0" },
  "35": {
    name: "HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD",
    description: "Health factor is lesser than the liquidation threshold",
  },
  "43": { name: "UNDERLYING_BALANCE_ZERO", description: "The underlying balance needs to be greater than 0" },
  "45": { name: "HEALTH_FACTOR_NOT_BELOW_THRESHOLD", description: "Health factor is not below the threshold" },
  "46": { name: "COLLATERAL_CANNOT_BE_LIQUIDATED", description: "The collateral chosen cannot be liquidated" },
  "47": { name: "SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER", description: "User did not borrow the specified currency" },
  "51": { name: "SUPPLY_CAP_EXCEEDED", description: "Supply cap is exceeded" },
  "59": { name: "PRICE_ORACLE_SENTINEL_CHECK_FAILED", description: "Price oracle sentinel validation failed" },
  "77": { name: "ZERO_ADDRESS_NOT_VALID", description: "Zero address not valid" },
  "82": { name: "ASSET_NOT_LISTED", description: "Asset is not listed" },
};

/**
 * Aave up to v3.1 reverts with the bare number of its Errors.sol as the reason (unmapped numbers keep their number
 * as name); v3.2+ (the world's v3.6) with custom errors, decoded by selector.
 */
export const aaveReverts: RevertTable = {
  source: "aave",
  customErrors: {
    abi: parseAbi(Object.values(AAVE_V36_ERRORS).map((e) => e.signature)),
    descriptions: Object.fromEntries(
      Object.entries(AAVE_V36_ERRORS).map(([name, e]) => [name, `Aave V3 ${name}: ${e.description}`]),
    ),
  },
  name(reason) {
    const known = AAVE_ERROR_CODES[reason];
    if (known) return { errorName: known.name, description: `Aave V3 error ${reason}: ${known.description}` };
    return /^[0-9]{1,3}$/.test(reason)
      ? { errorName: `AAVE_${reason}`, description: `Aave V3 error ${reason}` }
      : undefined;
  },
};
