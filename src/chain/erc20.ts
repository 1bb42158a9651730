import { parseAbi } from "viem";

/** The one ERC-20 read every layer needs: balances (inventory, lenders' liquidity, protocol cash). */
export const erc20BalanceAbi = parseAbi(["function balanceOf(address) view returns (uint256)"]);
