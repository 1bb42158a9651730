// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IKeeperERC20Minimal} from "./interfaces/IKeeperERC20Minimal.sol";
import {IKeeperAavePool} from "./interfaces/IKeeperAavePool.sol";
import {IKeeperUniswapV2Pair} from "./interfaces/IKeeperUniswapV2Pair.sol";
import {IKeeperUniswapV2Callee} from "./interfaces/IKeeperUniswapV2Callee.sol";
import {IKeeperUniswapV3Pool} from "./interfaces/IKeeperUniswapV3Pool.sol";
import {IKeeperUniswapV3SwapCallback} from "./interfaces/IKeeperUniswapV3SwapCallback.sol";
import {IKeeperMorpho, KeeperMarketParams} from "./interfaces/IKeeperMorpho.sol";
import {IKeeperMorphoLiquidateCallback, IKeeperMorphoFlashLoanCallback} from "./interfaces/IKeeperMorphoCallbacks.sol";
import {IKeeperAaveFlashLoanPool, IKeeperAaveFlashLoanSimpleReceiver} from "./interfaces/IKeeperAaveFlashLoan.sol";
import {IKeeperUniswapV3FlashPool, IKeeperUniswapV3FlashCallback} from "./interfaces/IKeeperUniswapV3Flash.sol";
import {IKeeperUniswapV2Factory, IKeeperUniswapV3Factory} from "./interfaces/IKeeperUniswapFactories.sol";

/// @title KeeperExecutor
/// @notice Executes the keeper's liquidations (Aave V3, Morpho Blue) and pool rebalances (Uniswap V2, V3) in one
///         transaction each (or several V2-flash Aave liquidations in one transaction, `liquidateAaveV2FlashBatch`),
///         funded by flash swaps / flash loans or by the contract's own inventory, and sends the profit to the owner.
///         An action that would leave the contract poorer reverts instead.
/// @dev Usage and guarantees:
///      - Only `owner` or `keeper` may start an action; only `owner` may sweep, change the keeper, allowlist venues,
///        set inventory caps or revoke allowances.
///      - What a stolen keeper key can reach is bounded: the Aave pool and Morpho are fixed at deployment
///        (immutables), every pair or pool an action names (flash pairs, swap pairs, route hops, V3 pools, funding
///        pools, a V3 flash lender) must be its Uniswap factory's own (`getPair` / `getPool` at the fee it reports)
///        or allowlisted by the owner (`UntrustedPool`), no allowance outlives the action that gave it, and
///        inventory-funded rebalances spend at most the owner's per-token caps (`InventoryCapExceeded`; refused
///        while unset).
///      - Before each call into a pool or protocol the executor records, in transient storage, the single address
///        allowed to call it back; each callback consumes that record, so a callback can happen at most once per
///        arming and never outside an action (an EOA or a foreign contract gets `UnexpectedCallback`).
///      - Each action snapshots the balances of every token it touches, and at the end requires none of them to
///        have decreased (`BalanceDecreased`), the profit token to have grown by `minProfit` (`InsufficientProfit`),
///        then transfers every gain to `owner`. The executor therefore holds only its inventory between actions.
///        Inventory-funded rebalances are the one exception: they spend `amountIn` of the input token by design,
///        and are instead required not to lose value at the target price (see `V2RebalanceParams.minProfit`).
///      - Revert data of inner calls (Aave's string codes, Uniswap's "UniswapV2: K", Morpho's messages, token
///        errors) bubbles up unchanged.
///      - Tokens are assumed to be plain ERC-20s (no fee on transfer, no rebasing during a transaction).
///      Gas, whole transaction, measured by test/contracts/keeper-executor.test.ts on the real protocols (in-process
///      Hardhat/EDR, cancun, optimizer 200 runs; Aave's own liquidationCall is most of the Aave figures). Each venue
///      check costs ~3-8k (a factory lookup, plus `fee()` for V3); the inventory paths include the first write of
///      the token's cap window (a zero-to-non-zero store, ~20k of their ~31k increase; by EVM pricing a later
///      spend rewrites it for ~3k):
///        liquidateAaveV2Flash, direct, all used       ~447k   liquidateMorpho                 ~213k
///        liquidateAaveV2Flash, 50% cap, rest returned ~459k   rebalanceV2 Inventory           ~177k
///        liquidateAaveV2Flash, through swapPair       ~545k   rebalanceV2 V3Flash             ~223k
///        liquidateAaveMorphoFlash                     ~477k   rebalanceV2 V2Flash             ~233k
///        rebalanceV3 Inventory                        ~210k   rebalanceV3 V2Flash             ~270k
///      liquidateAaveV2FlashBatch on one flash pair (test/contracts/keeper-executor-batch.test.ts, same states):
///        2 items ~649k vs ~901k as separate transactions (-28%), 3 ~835k vs ~1339k (-38%), 4 ~1024k vs ~1781k
///        (-42%): each item after the first costs ~185-190k, against ~459k alone.
///      Routed liquidations (test/contracts/keeper-executor-routes.test.ts, same run as its baselines):
///        liquidateMorphoRouted, 1 V2 leg                ~208k   (liquidateMorpho ~199k on the same state)
///        liquidateMorphoRouted, V2 + V3 0.3% + V3 0.05%  ~404k   liquidateMorphoBatch, 3 items (1/2/3 legs) ~660k
///        liquidateAaveRouted, Morpho flash, 1 V2 leg    ~469k   (liquidateAaveMorphoFlash ~457k)
///        liquidateAaveRouted, Aave flash, V2 + V3       ~631k   liquidateAaveRouted, V3 flash, V2 + V3      ~634k
///        liquidateAaveRouted, Morpho flash, WBTC direct + WBTC->WETH->USDC ~692k
///      The route machinery itself costs ~9-12k; the rest of a multi-leg figure is the extra venues' own swaps.
contract KeeperExecutor is
    IKeeperUniswapV2Callee,
    IKeeperUniswapV3SwapCallback,
    IKeeperMorphoLiquidateCallback,
    IKeeperMorphoFlashLoanCallback,
    IKeeperAaveFlashLoanSimpleReceiver,
    IKeeperUniswapV3FlashCallback
{
    /// @notice Where an action's input comes from.
    /// @dev Inventory: the executor's own balance. V3Flash: exact-output swap on a Uniswap V3 pool of the same two
    ///      tokens, paid back from the action's output. V2Flash: flash swap from another Uniswap V2 pair of the
    ///      same two tokens, paid back from the action's output.
    enum Funding {
        Inventory,
        V3Flash,
        V2Flash
    }

    /// @notice Aave V3 liquidation (on `aavePool`) funded by a Uniswap V2 flash swap of the debt asset.
    /// @param flashPair V2 pair holding `debtAsset`; it is repaid in its other token.
    /// @param collateralAsset Collateral to seize (underlying, not the aToken).
    /// @param debtAsset Debt to repay.
    /// @param user Borrower to liquidate.
    /// @param debtToCover Amount flash-borrowed and offered to Aave. Aave may use less (close factor, collateral
    ///        cap); the unused part goes back to `flashPair` and only the part used is paid for.
    /// @param swapPair address(0) when `flashPair`'s other token is `collateralAsset` (the direct case). Otherwise a
    ///        V2 pair of `collateralAsset` and `flashPair`'s other token: collateral is sold on it for exactly the
    ///        repayment, which it delivers straight to `flashPair`.
    /// @param minProfit Minimum collateral left after repaying the flash swap, in `collateralAsset` units.
    struct AaveLiquidationParams {
        address flashPair;
        address collateralAsset;
        address debtAsset;
        address user;
        uint256 debtToCover;
        address swapPair;
        uint256 minProfit;
    }

    /// @notice Aave V3 liquidation (on `aavePool`) funded by a fee-free flash loan of the debt asset from `morpho`.
    /// @param collateralAsset Collateral to seize.
    /// @param debtAsset Debt to repay.
    /// @param user Borrower to liquidate.
    /// @param debtToCover Amount flash-borrowed and offered to Aave.
    /// @param swapPair V2 pair of `collateralAsset`/`debtAsset` on which all the seized collateral is sold.
    /// @param minProfit Minimum `debtAsset` left after repaying Morpho.
    struct AaveMorphoLiquidationParams {
        address collateralAsset;
        address debtAsset;
        address user;
        uint256 debtToCover;
        address swapPair;
        uint256 minProfit;
    }

    /// @notice Morpho Blue liquidation (on `morpho`), repaid from the seized collateral inside Morpho's callback.
    /// @param marketParams The market's parameters.
    /// @param borrower Position to liquidate.
    /// @param seizedAssets Collateral to seize; Morpho derives the loan assets to repay from it.
    /// @param swapPair V2 pair of the collateral and loan tokens on which all the seized collateral is sold.
    /// @param minProfit Minimum loan tokens left after Morpho pulls the repayment.
    struct MorphoLiquidationParams {
        KeeperMarketParams marketParams;
        address borrower;
        uint256 seizedAssets;
        address swapPair;
        uint256 minProfit;
    }

    /// @notice Trade on a Uniswap V2 pair that moves its price to a target.
    /// @param pair The pair to rebalance.
    /// @param zeroForOne True to sell token0 (lowers the price of token0), false to sell token1.
    /// @param amountIn Input sold on `pair`; the output is getAmountOut of the reserves at execution.
    /// @param targetPriceX112 Target price of token0 in token1 after the trade: reserve1 * 2^112 / reserve0.
    /// @param toleranceBps Allowed distance of the resulting price from the target, in basis points of the target.
    /// @param funding Inventory, V3Flash (`fundingPool` is a V3 pool of the same tokens) or V2Flash
    ///        (`fundingPool` is another V2 pair of the same tokens).
    /// @param fundingPool Flash source; ignored for Inventory.
    /// @param minProfit In output-token units. Flash funding: output left after repaying the flash source.
    ///        Inventory: output beyond the value of `amountIn` at the target price (amountOut - amountIn * target
    ///        for zeroForOne, amountOut - amountIn / target otherwise, input value rounded up); that surplus is
    ///        paid to the owner and the rest of the output stays as inventory.
    struct V2RebalanceParams {
        address pair;
        bool zeroForOne;
        uint256 amountIn;
        uint256 targetPriceX112;
        uint16 toleranceBps;
        Funding funding;
        address fundingPool;
        uint256 minProfit;
    }

    /// @notice Trade on a Uniswap V3 pool that moves its price to a target.
    /// @param pool The pool to rebalance.
    /// @param zeroForOne True to sell token0 (lowers the price), false to sell token1.
    /// @param amountIn Maximum input; the swap stops at `sqrtPriceLimitX96`, so usually less is used.
    /// @param sqrtPriceLimitX96 The target sqrt price (Q64.96), used as the swap's price limit.
    /// @param toleranceBps Allowed distance of the final sqrtPriceX96 from the target, in basis points of the
    ///        target sqrt price (1 bp of sqrt price is about 2 bp of price).
    /// @param funding Inventory or V2Flash (`fundingPool` is a V2 pair of the same tokens; the unused part of the
    ///        flash swap is returned to it).
    /// @param fundingPool Flash source; ignored for Inventory.
    /// @param minProfit In output-token units; same meaning as in `V2RebalanceParams`, the reference price being
    ///        the target (sqrtPriceLimitX96^2 / 2^192).
    struct V3RebalanceParams {
        address pool;
        bool zeroForOne;
        uint256 amountIn;
        uint160 sqrtPriceLimitX96;
        uint16 toleranceBps;
        Funding funding;
        address fundingPool;
        uint256 minProfit;
    }

    /// @notice A protocol fixed at deployment, named by `ProtocolUnavailable`.
    enum Protocol {
        AaveV3,
        MorphoBlue
    }

    /// @notice Kind of venue a route hop trades on.
    enum PoolKind {
        UniswapV2,
        UniswapV3
    }

    /// @notice One swap of a route leg: sells the leg's current token on `pool` for `tokenOut`.
    /// @param kind UniswapV2: a pair, output = getAmountOut of its reserves read at execution. UniswapV3: a pool of
    ///        any fee tier, exact-input swap with no price limit that must take the whole input (`PartialFill`).
    /// @param pool The pair or pool.
    /// @param tokenOut Token bought; the pool's other token. The next hop sells it.
    struct RouteHop {
        PoolKind kind;
        address pool;
        address tokenOut;
    }

    /// @notice A path of hops that sells part of a route's input.
    /// @param amountIn Planned input of this leg (see `SaleRoute`).
    /// @param hops In order; the first sells the route's input token, the last must buy the route's output token.
    struct RouteLeg {
        uint256 amountIn;
        RouteHop[] hops;
    }

    /// @notice A sale split across venues and paths (e.g. half on a V2 pair, a quarter on a V3 0.05% pool, a quarter
    ///         WBTC->WETH->USDC through two pairs).
    /// @dev The actual input (collateral seized, known only at execution) is split in the proportions of the legs'
    ///      `amountIn`: leg i gets input * amountIn_i / sum(amountIn), the last leg the remainder. When the input
    ///      equals the planned sum each leg gets exactly its `amountIn`. A zero leg is skipped.
    /// @param legs At least one.
    /// @param minAmountOut Slippage guard: least output of all legs together (`RouteOutputTooLow`).
    struct SaleRoute {
        RouteLeg[] legs;
        uint256 minAmountOut;
    }

    /// @notice Morpho Blue liquidation (on `morpho`) whose seized collateral is sold along a route inside Morpho's
    ///         callback.
    /// @param marketParams The market's parameters.
    /// @param borrower Position to liquidate.
    /// @param seizedAssets Collateral to seize, or 0 when `repaidShares` is given (exactly one is non-zero, as
    ///        Morpho requires).
    /// @param repaidShares Borrow shares to repay, or 0 when `seizedAssets` is given.
    /// @param route Sale of the seized collateral into the loan token.
    /// @param minProfit Minimum loan tokens left after Morpho pulls the repayment.
    struct MorphoRoutedLiquidation {
        KeeperMarketParams marketParams;
        address borrower;
        uint256 seizedAssets;
        uint256 repaidShares;
        SaleRoute route;
        uint256 minProfit;
    }

    /// @notice Where the debt asset of a routed Aave liquidation is flash-borrowed.
    /// @dev AaveFlashLoan: the executor's `aavePool`, flashLoanSimple, premium FLASHLOAN_PREMIUM_TOTAL.
    ///      UniswapV3Flash: `lender` is a Uniswap V3 pool holding the debt asset (verified like any venue), flash,
    ///      fee = the pool's fee; that pool is locked during the loan and must not appear in the route.
    ///      MorphoFlashLoan: the executor's `morpho`, flashLoan, no fee.
    enum FlashSource {
        AaveFlashLoan,
        UniswapV3Flash,
        MorphoFlashLoan
    }

    /// @notice Aave V3 liquidation funded by a flash loan of the debt asset, the seized collateral sold along a route
    ///         back into the debt asset to repay the loan and its fee.
    /// @param collateralAsset Collateral to seize (underlying).
    /// @param debtAsset Debt to repay; the route's output token.
    /// @param user Borrower to liquidate.
    /// @param debtToCover Amount flash-borrowed and offered to Aave. Aave may use less (close factor, collateral
    ///        cap); the whole loan and its fee are repaid regardless, so size it to what Aave will take.
    /// @param source Flash source kind.
    /// @param lender The Uniswap V3 pool lending `debtToCover` for UniswapV3Flash; ignored for the other sources,
    ///        whose lender is fixed at deployment (`aavePool`, `morpho`).
    /// @param route Sale of all the seized collateral into `debtAsset`.
    /// @param minProfit Minimum `debtAsset` left after repaying the loan and its fee.
    struct AaveRoutedLiquidation {
        address collateralAsset;
        address debtAsset;
        address user;
        uint256 debtToCover;
        FlashSource source;
        address lender;
        SaleRoute route;
        uint256 minProfit;
    }

    /// @dev What a Uniswap V2 flash swap is funding; first word of the flash-swap data.
    enum V2FlashKind {
        AaveLiquidation,
        V2Rebalance,
        V3Rebalance
    }

    /// @dev What a Uniswap V3 swap callback must do; first word of the swap data.
    enum V3SwapKind {
        PayOwed,
        FundV2Rebalance
    }

    /// @dev Balances of an action's two tokens at its start, and the figures its callbacks report.
    struct Trade {
        address tokenIn;
        address tokenOut;
        uint256 inBefore;
        uint256 outBefore;
        uint256 amountIn;
        uint256 amountOut;
        uint256 cost;
    }

    /// @notice Owner-set limits on the inventory that inventory-funded rebalances may spend, in token units.
    /// @param perTx Most one rebalance may spend (for rebalanceV3, its `amountIn`, the most it may use).
    /// @param perDay Most all rebalances may spend within one day window.
    /// @param windowStart Start of the current day window: it opens with the first spend at least 24 hours after
    ///        the previous window opened, so at most `perDay` is spent per window (and at most twice that over any
    ///        24 hours straddling two windows).
    /// @param spent Spent in the current window.
    struct InventoryCap {
        uint128 perTx;
        uint128 perDay;
        uint64 windowStart;
        uint192 spent;
    }

    event KeeperSet(address indexed previousKeeper, address indexed newKeeper);

    /// @notice The owner admitted (`trusted`) or removed a venue outside the Uniswap factories.
    event TrustedPoolSet(address indexed pool, bool trusted);

    /// @notice The owner changed the inventory caps of `token`; the current window's spend is kept.
    event InventoryCapSet(address indexed token, uint256 perTx, uint256 perDay);

    /// @notice The owner set the executor's allowance of `token` to `spender` back to zero.
    event AllowanceRevoked(address indexed token, address indexed spender);

    /// @param debtRepaid Debt Aave actually took.
    /// @param collateralSeized Collateral received from Aave.
    /// @param collateralToPair Collateral spent repaying the flash swap (directly or through `swapPair`).
    /// @param profit Collateral sent to the owner.
    event AaveLiquidatedWithV2Flash(
        address indexed user,
        address indexed collateralAsset,
        address indexed debtAsset,
        uint256 debtRepaid,
        uint256 collateralSeized,
        uint256 collateralToPair,
        uint256 profit
    );

    /// @param debtRepaid Debt Aave actually took.
    /// @param collateralSeized Collateral received from Aave, all sold on `swapPair`.
    /// @param debtFromSwap Debt asset the collateral sale returned.
    /// @param profit Debt asset sent to the owner.
    event AaveLiquidatedWithMorphoFlash(
        address indexed user,
        address indexed collateralAsset,
        address indexed debtAsset,
        uint256 debtRepaid,
        uint256 collateralSeized,
        uint256 debtFromSwap,
        uint256 profit
    );

    /// @param loanFromSwap Loan tokens the collateral sale returned.
    /// @param profit Loan tokens sent to the owner.
    event MorphoLiquidated(
        bytes32 indexed marketId,
        address indexed borrower,
        uint256 seizedAssets,
        uint256 repaidAssets,
        uint256 loanFromSwap,
        uint256 profit
    );

    /// @param amountIn Input sold on the pair.
    /// @param amountOut Output received from the pair.
    /// @param fundingCost Output token paid to the flash source (0 for Inventory).
    /// @param priceX112 Resulting price, reserve1 * 2^112 / reserve0.
    /// @param profit Output token sent to the owner.
    event V2Rebalanced(
        address indexed pair,
        bool zeroForOne,
        Funding funding,
        uint256 amountIn,
        uint256 amountOut,
        uint256 fundingCost,
        uint256 priceX112,
        uint256 profit
    );

    /// @param amountIn Input the pool took.
    /// @param amountOut Output the pool sent.
    /// @param fundingCost Output token paid to the flash source (0 for Inventory).
    /// @param sqrtPriceX96 Resulting sqrt price.
    /// @param profit Output token sent to the owner.
    event V3Rebalanced(
        address indexed pool,
        bool zeroForOne,
        Funding funding,
        uint256 amountIn,
        uint256 amountOut,
        uint256 fundingCost,
        uint160 sqrtPriceX96,
        uint256 profit
    );

    /// @param token address(0) for ETH.
    event Swept(address indexed token, uint256 amount);

    /// @param seizedAssets Collateral Morpho sent, all sold along the route.
    /// @param repaidAssets Loan tokens Morpho pulled.
    /// @param loanFromRoute Loan tokens the route returned.
    /// @param profit Loan tokens sent to the owner.
    event MorphoLiquidatedRouted(
        bytes32 indexed marketId,
        address indexed borrower,
        uint256 seizedAssets,
        uint256 repaidAssets,
        uint256 loanFromRoute,
        uint256 profit
    );

    /// @param source Flash source that lent the debt asset.
    /// @param debtRepaid Debt Aave actually took.
    /// @param collateralSeized Collateral received from Aave, all sold along the route.
    /// @param debtFromRoute Debt asset the route returned.
    /// @param flashFee Fee paid to the flash source on top of the loan.
    /// @param profit Debt asset sent to the owner.
    event AaveLiquidatedRouted(
        address indexed user,
        address indexed collateralAsset,
        address indexed debtAsset,
        FlashSource source,
        uint256 debtRepaid,
        uint256 collateralSeized,
        uint256 debtFromRoute,
        uint256 flashFee,
        uint256 profit
    );

    error NotAuthorized(address caller);
    error Reentrancy();
    error ZeroOwner();
    /// @notice A callback came from an address other than the one the current action is waiting for.
    error UnexpectedCallback(address caller);
    /// @notice A V2 flash swap callback for a swap the executor did not initiate.
    error UnexpectedSender(address sender);
    /// @notice A pool or protocol returned without making the callback the action relies on.
    error CallbackNotReceived(address expected);
    error InsufficientProfit(uint256 got, uint256 min);
    error BalanceDecreased(address token, uint256 before, uint256 after_);
    error PriceOutOfTolerance(uint256 got, uint256 target);
    /// @notice `token` is not one of `pool`'s two tokens.
    error TokenNotInPool(address token, address pool);
    /// @notice The funding pool does not trade the same two tokens as the pool being rebalanced.
    error PoolTokensMismatch(address pool, address fundingPool);
    error UnsupportedFunding(Funding funding);
    error AmountTooLarge(uint256 amount);
    /// @notice A token returned false, or has no code, on transfer/approve.
    error TokenCallFailed(address token);
    /// @notice A batch entry point was called with no items.
    error EmptyBatch();
    /// @notice A route's legs together returned less than its `minAmountOut`.
    error RouteOutputTooLow(uint256 got, uint256 min);
    /// @notice Route leg `leg` is malformed: no legs at all (leg 0), no hops, or its last hop does not buy
    ///         `expectedOut`.
    error InvalidRoute(uint256 leg, address expectedOut);
    /// @notice A Uniswap V3 hop took less than its exact input (the pool ran out of liquidity).
    error PartialFill(address pool, uint256 used, uint256 amountIn);
    /// @notice `pool` is neither the Uniswap factory's pair/pool of the tokens it is used for, nor allowlisted by
    ///         the owner (`setTrustedPool`).
    error UntrustedPool(address pool);
    /// @notice The action needs `protocol`, which this executor was deployed without (address(0)): deploy one
    ///         with that protocol's address.
    error ProtocolUnavailable(Protocol protocol);
    /// @notice An inventory-funded rebalance asked to spend `requested` of `token` with only `remaining` left under
    ///         the owner's caps (the lesser of the per-transaction cap and what is left of the day's); 0 remaining
    ///         when no cap was set.
    error InventoryCapExceeded(address token, uint256 requested, uint256 remaining);

    /// @dev TickMath.MIN_SQRT_RATIO + 1 and MAX_SQRT_RATIO - 1: "no price limit" for a V3 swap.
    uint160 private constant MIN_SQRT_PRICE_LIMIT = 4295128740;
    uint160 private constant MAX_SQRT_PRICE_LIMIT = 1461446703485210103287273052203988822378723970341;
    uint256 private constant Q96 = 1 << 96;
    uint256 private constant Q112 = 1 << 112;

    /// @notice Receives all profit and sweeps; cannot change.
    address public immutable owner;
    /// @notice Aave V3 Pool liquidated on and flash-borrowed from; address(0) on a chain without Aave.
    address public immutable aavePool;
    /// @notice Morpho Blue liquidated on and flash-borrowed from; address(0) on a chain without Morpho.
    address public immutable morpho;
    /// @notice Uniswap V2 factory whose pairs are trusted as venues; address(0): only allowlisted pairs.
    address public immutable uniswapV2Factory;
    /// @notice Uniswap V3 factory whose pools are trusted as venues; address(0): only allowlisted pools.
    address public immutable uniswapV3Factory;
    /// @notice Bot account allowed to start actions besides the owner.
    address public keeper;
    /// @notice Venues of other factories (or forks) the owner admits besides the Uniswap factories' own.
    mapping(address pool => bool trusted) public trustedPool;
    /// @notice Per-token caps on inventory-funded rebalances; unset (zero) refuses them.
    mapping(address token => InventoryCap cap) public inventoryCap;

    /// @dev Held for the whole action: callbacks are not entry points, so this only stops entry points re-entering.
    bool private transient _locked;
    /// @dev The only address allowed to call the next callback; zero outside a pending external call.
    address private transient _expectedCaller;
    /// @dev Figures a callback reports to the entry point that armed it.
    uint256 private transient _result0;
    uint256 private transient _result1;
    uint256 private transient _result2;
    uint256 private transient _result3;
    /// @dev Set by the routed entry points before calling Morpho: its callback then takes the routed data format.
    bool private transient _routedCallback;

    /// @dev The modifiers' bodies live in functions: inlined into each of the sixteen entry points they cost over
    ///      a kilobyte of code, which the contract does not have to spare under the 24,576-byte limit.
    modifier onlyOperator() {
        _enter(msg.sender == owner || msg.sender == keeper);
        _;
        _locked = false;
    }

    modifier onlyOwner() {
        _enter(msg.sender == owner);
        _;
        _locked = false;
    }

    /// @dev Admits an authorised caller (`allowed`) not already inside an action, and takes the lock.
    function _enter(bool allowed) private {
        if (!allowed) revert NotAuthorized(msg.sender);
        if (_locked) revert Reentrancy();
        _locked = true;
    }

    /// @param owner_ Receiver of all profit; also the only account able to set the keeper, sweep, revoke
    ///        allowances, allowlist venues and set inventory caps.
    /// @param aavePool_ Aave V3 Pool, or address(0) where there is none (Aave entry points and the Aave flash
    ///        source then revert `ProtocolUnavailable`).
    /// @param morpho_ Morpho Blue, or address(0) where there is none (likewise).
    /// @param uniswapV2Factory_ Uniswap V2 factory, or address(0) (V2 venues must then be allowlisted).
    /// @param uniswapV3Factory_ Uniswap V3 factory, or address(0) (V3 venues must then be allowlisted).
    constructor(
        address owner_,
        address aavePool_,
        address morpho_,
        address uniswapV2Factory_,
        address uniswapV3Factory_
    ) {
        if (owner_ == address(0)) revert ZeroOwner();
        owner = owner_;
        aavePool = aavePool_;
        morpho = morpho_;
        uniswapV2Factory = uniswapV2Factory_;
        uniswapV3Factory = uniswapV3Factory_;
    }

    /// @notice Admits (`trusted`) or removes a venue that is not its factory's own pair/pool, e.g. a pair of a
    ///         Uniswap V2 fork. A trusted venue is called and believed like a genuine one: admit only audited code.
    function setTrustedPool(address pool, bool trusted) external onlyOwner {
        trustedPool[pool] = trusted;
        emit TrustedPoolSet(pool, trusted);
    }

    /// @notice Sets the caps on the inventory of `token` that inventory-funded rebalances may spend, in `token`
    ///         units: at most `perTx` per rebalance and `perDay` per day window (see `InventoryCap`). Zero caps
    ///         refuse such rebalances, which is also the default. The current window's spend is kept.
    function setInventoryCap(address token, uint128 perTx, uint128 perDay) external onlyOwner {
        InventoryCap storage c = inventoryCap[token];
        (c.perTx, c.perDay) = (perTx, perDay);
        emit InventoryCapSet(token, perTx, perDay);
    }

    /// @notice Sets the executor's allowance of `token` to `spender` to zero. Actions leave none behind; this is
    ///         the owner's way to make sure of it (or to clear one given by an older deployment's code).
    function revoke(address token, address spender) external onlyOwner {
        _approve(token, spender, 0);
        emit AllowanceRevoked(token, spender);
    }

    /// @notice Sets the bot account allowed to start actions; address(0) leaves actions to the owner alone.
    function setKeeper(address newKeeper) external onlyOwner {
        emit KeeperSet(keeper, newKeeper);
        keeper = newKeeper;
    }

    /// @notice Sends `amount` of `token` held by the executor (its inventory) to the owner.
    function sweep(address token, uint256 amount) external onlyOwner {
        _transfer(token, owner, amount);
        emit Swept(token, amount);
    }

    /// @notice Sends `amount` of ETH to the owner. The executor has no receive function; ETH only arrives forced
    ///         (selfdestruct, block reward), and this recovers it.
    function sweepETH(uint256 amount) external onlyOwner {
        (bool ok, bytes memory ret) = owner.call{value: amount}("");
        if (!ok) _bubble(ret);
        emit Swept(address(0), amount);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Liquidations
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Liquidates an Aave V3 borrower with debt flash-swapped from a Uniswap V2 pair, repaying the pair
    ///         with part of the seized collateral.
    /// @return profit Collateral sent to the owner.
    function liquidateAaveV2Flash(AaveLiquidationParams calldata p) external onlyOperator returns (uint256 profit) {
        profit = _liquidateAaveV2Flash(p);
    }

    /// @notice Runs several `liquidateAaveV2Flash` in order in one transaction, so that liquidations sharing a
    ///         funding path (same flash pair, Aave pool and tokens) pay the transaction's base cost and the cold
    ///         accesses once.
    /// @dev Each item is a complete liquidation: its own flash swap and callback check, its own balance snapshot,
    ///      `minProfit` guard, profit transfer to the owner and `AaveLiquidatedWithV2Flash` event. An item sees the
    ///      state the previous ones left (the flash pair's reserves in particular), exactly as separate transactions
    ///      in that order would. Any failing item reverts the whole batch. The balance invariant holds for the batch:
    ///      each item returns every token it touches to its starting balance (its gain goes to the owner), so the
    ///      batch ends with the balances it started with.
    /// @param ps The liquidations, in execution order; empty reverts `EmptyBatch`.
    /// @return totalProfit Sum of the items' profits (each in its own `collateralAsset`; the same token when the
    ///         items share a collateral, as the keeper's batches do).
    function liquidateAaveV2FlashBatch(AaveLiquidationParams[] calldata ps)
        external
        onlyOperator
        returns (uint256 totalProfit)
    {
        uint256 n = ps.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i; i < n; ++i) {
            totalProfit += _liquidateAaveV2Flash(ps[i]);
        }
    }

    /// @notice Liquidates an Aave V3 borrower with debt flash-borrowed from Morpho Blue (no fee), selling all the
    ///         seized collateral on a Uniswap V2 pair to repay Morpho.
    /// @return profit Debt asset sent to the owner.
    function liquidateAaveMorphoFlash(AaveMorphoLiquidationParams calldata p)
        external
        onlyOperator
        returns (uint256 profit)
    {
        address morpho_ = _morpho();
        _aavePool();
        _requireV2Pair(p.swapPair, p.collateralAsset, p.debtAsset);
        uint256 collateralBefore = _balance(p.collateralAsset);
        uint256 debtBefore = _balance(p.debtAsset);

        _expectCallback(morpho_);
        IKeeperMorpho(morpho_).flashLoan(p.debtAsset, p.debtToCover, abi.encode(p));
        _requireCallbackConsumed();
        _clearAllowance(p.debtAsset, morpho_);

        _settle(p.collateralAsset, collateralBefore, 0);
        profit = _settle(p.debtAsset, debtBefore, p.minProfit);
        emit AaveLiquidatedWithMorphoFlash(
            p.user, p.collateralAsset, p.debtAsset, _result0, _result1, _result2, profit
        );
    }

    /// @notice Liquidates a Morpho Blue position, selling the seized collateral on a Uniswap V2 pair inside
    ///         Morpho's callback to pay the repayment Morpho pulls afterwards.
    /// @return profit Loan tokens sent to the owner.
    function liquidateMorpho(MorphoLiquidationParams calldata p) external onlyOperator returns (uint256 profit) {
        address morpho_ = _morpho();
        address loanToken = p.marketParams.loanToken;
        address collateralToken = p.marketParams.collateralToken;
        _requireV2Pair(p.swapPair, collateralToken, loanToken);
        uint256 loanBefore = _balance(loanToken);
        uint256 collateralBefore = _balance(collateralToken);

        bytes memory data = abi.encode(p.swapPair, collateralToken, loanToken, p.seizedAssets);
        _expectCallback(morpho_);
        IKeeperMorpho(morpho_).liquidate(p.marketParams, p.borrower, p.seizedAssets, 0, data);
        _requireCallbackConsumed();
        _clearAllowance(loanToken, morpho_);

        _settle(collateralToken, collateralBefore, 0);
        profit = _settle(loanToken, loanBefore, p.minProfit);
        emit MorphoLiquidated(
            keccak256(abi.encode(p.marketParams)), p.borrower, p.seizedAssets, _result1, _result0, profit
        );
    }

    // ---------------------------------------------------------------------------------------------------------
    // Routed liquidations (collateral sold across several venues and hops)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Liquidates a Morpho Blue position, selling the seized collateral along `p.route` inside Morpho's
    ///         callback to pay the repayment Morpho pulls afterwards.
    /// @return profit Loan tokens sent to the owner.
    function liquidateMorphoRouted(MorphoRoutedLiquidation calldata p) external onlyOperator returns (uint256 profit) {
        profit = _liquidateMorphoRouted(p);
    }

    /// @notice Runs several `liquidateMorphoRouted` in order in one transaction (one lock, one base cost).
    /// @dev Each item is complete on its own (callback check, balance snapshot, `minProfit`, profit transfer, event)
    ///      and sees the pools as the previous items left them. Any failing item reverts the whole batch.
    /// @param ps The liquidations, in execution order; empty reverts `EmptyBatch`.
    /// @return totalProfit Sum of the items' profits (each in its market's loan token).
    function liquidateMorphoBatch(MorphoRoutedLiquidation[] calldata ps)
        external
        onlyOperator
        returns (uint256 totalProfit)
    {
        uint256 n = ps.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i; i < n; ++i) {
            totalProfit += _liquidateMorphoRouted(ps[i]);
        }
    }

    /// @notice Liquidates an Aave V3 borrower with the debt flash-borrowed per `p.source` (`aavePool`'s
    ///         flashLoanSimple, the Uniswap V3 pool `p.lender`'s flash or `morpho`'s flashLoan), selling the seized collateral along `p.route` to repay the
    ///         loan and its fee.
    /// @return profit Debt asset sent to the owner.
    function liquidateAaveRouted(AaveRoutedLiquidation calldata p) external onlyOperator returns (uint256 profit) {
        profit = _liquidateAaveRouted(p);
    }

    /// @notice Runs several `liquidateAaveRouted` in order in one transaction; items may use different flash sources
    ///         and routes.
    /// @dev Same per-item guarantees as `liquidateMorphoBatch`.
    /// @param ps The liquidations, in execution order; empty reverts `EmptyBatch`.
    /// @return totalProfit Sum of the items' profits (each in its own `debtAsset`).
    function liquidateAaveRoutedBatch(AaveRoutedLiquidation[] calldata ps)
        external
        onlyOperator
        returns (uint256 totalProfit)
    {
        uint256 n = ps.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i; i < n; ++i) {
            totalProfit += _liquidateAaveRouted(ps[i]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rebalances
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Sells `amountIn` on a Uniswap V2 pair so that its price lands within `toleranceBps` of
    ///         `targetPriceX112`.
    /// @return profit Output token sent to the owner (see `V2RebalanceParams.minProfit`).
    function rebalanceV2(V2RebalanceParams calldata p) external onlyOperator returns (uint256 profit) {
        Trade memory t = _openTrade(p.pair, p.zeroForOne);
        _requireV2Pair(p.pair, t.tokenIn, t.tokenOut);

        if (p.funding == Funding.Inventory) {
            _chargeInventory(t.tokenIn, p.amountIn, p.amountIn);
            t.amountIn = p.amountIn;
            t.amountOut = _swapExactIn(p.pair, t.tokenIn, t.tokenOut, p.amountIn, address(this));
        } else if (p.funding == Funding.V3Flash) {
            _requireSameTokens(p.pair, p.fundingPool, t);
            _requireV3Pool(p.fundingPool, t.tokenIn, t.tokenOut);
            // The V3 pool must hand us the V2 input, so it swaps the opposite way, exact output.
            bool v3ZeroForOne = !p.zeroForOne;
            _expectCallback(p.fundingPool);
            IKeeperUniswapV3Pool(p.fundingPool).swap(
                address(this),
                v3ZeroForOne,
                -_toInt256(p.amountIn),
                v3ZeroForOne ? MIN_SQRT_PRICE_LIMIT : MAX_SQRT_PRICE_LIMIT,
                abi.encode(V3SwapKind.FundV2Rebalance, t.tokenIn, t.tokenOut, p.pair)
            );
            _requireCallbackConsumed();
            (t.amountIn, t.amountOut, t.cost) = (_result0, _result1, _result2);
        } else {
            _requireSameTokens(p.pair, p.fundingPool, t);
            _requireV2Pair(p.fundingPool, t.tokenIn, t.tokenOut);
            _expectCallback(p.fundingPool);
            IKeeperUniswapV2Pair(p.fundingPool).swap(
                p.zeroForOne ? p.amountIn : 0,
                p.zeroForOne ? 0 : p.amountIn,
                address(this),
                abi.encode(V2FlashKind.V2Rebalance, p.pair, t.tokenIn, t.tokenOut)
            );
            _requireCallbackConsumed();
            (t.amountIn, t.amountOut, t.cost) = (_result0, _result1, _result2);
        }

        (uint112 reserve0, uint112 reserve1,) = IKeeperUniswapV2Pair(p.pair).getReserves();
        uint256 priceX112 = (uint256(reserve1) << 112) / reserve0;
        _requireWithinTolerance(priceX112, p.targetPriceX112, p.toleranceBps);

        if (p.funding == Funding.Inventory) {
            uint256 inputValue = p.zeroForOne
                ? Math.mulDiv(t.amountIn, p.targetPriceX112, Q112, Math.Rounding.Ceil)
                : Math.mulDiv(t.amountIn, Q112, p.targetPriceX112, Math.Rounding.Ceil);
            profit = _settleInventory(t, inputValue, p.minProfit);
        } else {
            _settle(t.tokenIn, t.inBefore, 0);
            profit = _settle(t.tokenOut, t.outBefore, p.minProfit);
        }
        emit V2Rebalanced(p.pair, p.zeroForOne, p.funding, t.amountIn, t.amountOut, t.cost, priceX112, profit);
    }

    /// @notice Swaps up to `amountIn` on a Uniswap V3 pool with the target as price limit, so that the pool lands on
    ///         the target (within `toleranceBps`, which only fails when `amountIn` was too small).
    /// @return profit Output token sent to the owner (see `V3RebalanceParams.minProfit`).
    function rebalanceV3(V3RebalanceParams calldata p) external onlyOperator returns (uint256 profit) {
        Trade memory t = _openTrade(p.pool, p.zeroForOne);
        _requireV3Pool(p.pool, t.tokenIn, t.tokenOut);

        if (p.funding == Funding.Inventory) {
            (t.amountIn, t.amountOut) = _swapV3(p.pool, p.zeroForOne, p.amountIn, p.sqrtPriceLimitX96, t);
            _chargeInventory(t.tokenIn, p.amountIn, t.amountIn);
        } else if (p.funding == Funding.V2Flash) {
            _requireSameTokens(p.pool, p.fundingPool, t);
            _requireV2Pair(p.fundingPool, t.tokenIn, t.tokenOut);
            _expectCallback(p.fundingPool);
            IKeeperUniswapV2Pair(p.fundingPool).swap(
                p.zeroForOne ? p.amountIn : 0,
                p.zeroForOne ? 0 : p.amountIn,
                address(this),
                abi.encode(V2FlashKind.V3Rebalance, p.pool, p.zeroForOne, p.sqrtPriceLimitX96, t.tokenIn, t.tokenOut)
            );
            _requireCallbackConsumed();
            (t.amountIn, t.amountOut, t.cost) = (_result0, _result1, _result2);
        } else {
            revert UnsupportedFunding(p.funding);
        }

        (uint160 sqrtPriceX96,,,,,,) = IKeeperUniswapV3Pool(p.pool).slot0();
        _requireWithinTolerance(sqrtPriceX96, p.sqrtPriceLimitX96, p.toleranceBps);

        if (p.funding == Funding.Inventory) {
            uint256 s = p.sqrtPriceLimitX96;
            uint256 inputValue = p.zeroForOne
                ? Math.mulDiv(Math.mulDiv(t.amountIn, s, Q96, Math.Rounding.Ceil), s, Q96, Math.Rounding.Ceil)
                : Math.mulDiv(Math.mulDiv(t.amountIn, Q96, s, Math.Rounding.Ceil), Q96, s, Math.Rounding.Ceil);
            profit = _settleInventory(t, inputValue, p.minProfit);
        } else {
            _settle(t.tokenIn, t.inBefore, 0);
            profit = _settle(t.tokenOut, t.outBefore, p.minProfit);
        }
        emit V3Rebalanced(p.pool, p.zeroForOne, p.funding, t.amountIn, t.amountOut, t.cost, sqrtPriceX96, profit);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Callbacks
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IKeeperUniswapV2Callee
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external {
        _consumeCallback();
        // A pair calls back whoever it paid; only swaps we started ourselves may be settled here.
        if (sender != address(this)) revert UnexpectedSender(sender);
        uint256 borrowed = amount0 == 0 ? amount1 : amount0;
        V2FlashKind kind = abi.decode(data[:32], (V2FlashKind));
        if (kind == V2FlashKind.AaveLiquidation) _onAaveV2Flash(borrowed, data);
        else if (kind == V2FlashKind.V2Rebalance) _onV2RebalanceFlash(borrowed, data);
        else _onV3RebalanceFlash(borrowed, data);
    }

    /// @inheritdoc IKeeperUniswapV3SwapCallback
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        _consumeCallback();
        V3SwapKind kind = abi.decode(data[:32], (V3SwapKind));
        if (kind == V3SwapKind.PayOwed) {
            (, address token0, address token1) = abi.decode(data, (V3SwapKind, address, address));
            if (amount0Delta > 0) _transfer(token0, msg.sender, uint256(amount0Delta));
            if (amount1Delta > 0) _transfer(token1, msg.sender, uint256(amount1Delta));
            return;
        }
        // FundV2Rebalance: the pool sent us the V2 input (exact output); sell it on the V2 pair and pay the pool its
        // input, which is the V2 output token.
        (, address tokenIn, address tokenOut, address pair) = abi.decode(data, (V3SwapKind, address, address, address));
        bool inIs0 = tokenIn < tokenOut;
        uint256 received = uint256(-(inIs0 ? amount0Delta : amount1Delta));
        uint256 owed = uint256(inIs0 ? amount1Delta : amount0Delta);
        uint256 amountOut = _swapExactIn(pair, tokenIn, tokenOut, received, address(this));
        _transfer(tokenOut, msg.sender, owed);
        (_result0, _result1, _result2) = (received, amountOut, owed);
    }

    /// @inheritdoc IKeeperMorphoLiquidateCallback
    function onMorphoLiquidate(uint256 repaidAssets, bytes calldata data) external {
        _consumeCallback();
        if (_routedCallback) {
            _routedCallback = false;
            _onMorphoLiquidateRouted(repaidAssets, data);
            return;
        }
        (address swapPair, address collateralToken, address loanToken, uint256 seized) =
            abi.decode(data, (address, address, address, uint256));
        _result0 = _swapExactIn(swapPair, collateralToken, loanToken, seized, address(this));
        _result1 = repaidAssets;
        // Morpho pulls the repayment with transferFrom once this returns.
        _approve(loanToken, msg.sender, repaidAssets);
    }

    /// @inheritdoc IKeeperMorphoFlashLoanCallback
    function onMorphoFlashLoan(uint256 assets, bytes calldata data) external {
        _consumeCallback();
        if (_routedCallback) {
            _routedCallback = false;
            (uint256 owed, address debtAsset) = _onAaveRoutedFlash(assets, 0, data);
            // Morpho pulls the loan back with transferFrom once this returns.
            _approve(debtAsset, msg.sender, owed);
            return;
        }
        AaveMorphoLiquidationParams memory p = abi.decode(data, (AaveMorphoLiquidationParams));
        (uint256 repaid, uint256 seized) = _aaveLiquidate(p.collateralAsset, p.debtAsset, p.user, assets);
        uint256 debtFromSwap = _swapExactIn(p.swapPair, p.collateralAsset, p.debtAsset, seized, address(this));
        // Morpho pulls the loan back with transferFrom once this returns.
        _approve(p.debtAsset, msg.sender, assets);
        (_result0, _result1, _result2) = (repaid, seized, debtFromSwap);
    }

    /// @inheritdoc IKeeperAaveFlashLoanSimpleReceiver
    function executeOperation(address, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        _consumeCallback();
        // The pool calls back whoever it lends to; only loans we asked for ourselves may be used here.
        if (initiator != address(this)) revert UnexpectedSender(initiator);
        (uint256 owed, address debtAsset) = _onAaveRoutedFlash(amount, premium, params);
        // Aave pulls amount + premium with transferFrom once this returns, which spends the allowance to zero.
        _approve(debtAsset, msg.sender, owed);
        return true;
    }

    /// @inheritdoc IKeeperUniswapV3FlashCallback
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external {
        _consumeCallback();
        // Only one of the fees is non-zero: the loan is of one token.
        (uint256 owed, address debtAsset) = _onAaveRoutedFlash(_result0, fee0 + fee1, data);
        _transfer(debtAsset, msg.sender, owed);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Action bodies
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Body of `liquidateAaveV2Flash` and of each `liquidateAaveV2FlashBatch` item: flash-swaps `debtToCover`
    ///      from `flashPair`, liquidates inside the callback, settles every touched token and pays the profit.
    function _liquidateAaveV2Flash(AaveLiquidationParams memory p) private returns (uint256 profit) {
        _aavePool();
        (address token0, address token1) = _tokensOf(p.flashPair);
        _requireV2Pair(p.flashPair, token0, token1);
        bool debtIs0 = token0 == p.debtAsset;
        if (!debtIs0 && token1 != p.debtAsset) revert TokenNotInPool(p.debtAsset, p.flashPair);
        address repayToken = debtIs0 ? token1 : token0;
        if (p.swapPair == address(0)) {
            if (repayToken != p.collateralAsset) revert TokenNotInPool(p.collateralAsset, p.flashPair);
        } else {
            _requireV2Pair(p.swapPair, p.collateralAsset, repayToken);
        }

        uint256 collateralBefore = _balance(p.collateralAsset);
        uint256 debtBefore = _balance(p.debtAsset);
        uint256 repayBefore = p.swapPair == address(0) ? 0 : _balance(repayToken);

        _expectCallback(p.flashPair);
        IKeeperUniswapV2Pair(p.flashPair).swap(
            debtIs0 ? p.debtToCover : 0,
            debtIs0 ? 0 : p.debtToCover,
            address(this),
            abi.encode(V2FlashKind.AaveLiquidation, p, repayToken)
        );
        _requireCallbackConsumed();

        _settle(p.debtAsset, debtBefore, 0);
        if (p.swapPair != address(0)) _settle(repayToken, repayBefore, 0);
        profit = _settle(p.collateralAsset, collateralBefore, p.minProfit);
        emit AaveLiquidatedWithV2Flash(
            p.user, p.collateralAsset, p.debtAsset, _result0, _result1, _result2, profit
        );
    }

    /// @dev Body of `liquidateMorphoRouted` and of each `liquidateMorphoBatch` item.
    function _liquidateMorphoRouted(MorphoRoutedLiquidation calldata p) private returns (uint256 profit) {
        address morpho_ = _morpho();
        // Trade: tokenIn is the collateral sold, tokenOut the loan token; amountIn seized, cost repaid.
        Trade memory t;
        (t.tokenIn, t.tokenOut) = (p.marketParams.collateralToken, p.marketParams.loanToken);
        (t.inBefore, t.outBefore) = (_balance(t.tokenIn), _balance(t.tokenOut));
        (address[] memory mids, uint256[] memory midsBefore) = _snapshotIntermediates(p.route, t.tokenOut);

        bytes memory data = abi.encode(t.tokenIn, t.tokenOut, t.inBefore, p.route);
        _routedCallback = true;
        _expectCallback(morpho_);
        (t.amountIn, t.cost) =
            IKeeperMorpho(morpho_).liquidate(p.marketParams, p.borrower, p.seizedAssets, p.repaidShares, data);
        _requireCallbackConsumed();
        _clearAllowance(t.tokenOut, morpho_);

        _settleIntermediates(mids, midsBefore);
        _settle(t.tokenIn, t.inBefore, 0);
        profit = _settle(t.tokenOut, t.outBefore, p.minProfit);
        emit MorphoLiquidatedRouted(
            keccak256(abi.encode(p.marketParams)), p.borrower, t.amountIn, t.cost, _result0, profit
        );
    }

    /// @dev Body of `liquidateAaveRouted` and of each `liquidateAaveRoutedBatch` item: arms the lender, borrows,
    ///      and settles every token the liquidation and the route touched.
    function _liquidateAaveRouted(AaveRoutedLiquidation calldata p) private returns (uint256 profit) {
        address aave = _aavePool();
        uint256 collateralBefore = _balance(p.collateralAsset);
        uint256 debtBefore = _balance(p.debtAsset);
        (address[] memory mids, uint256[] memory midsBefore) = _snapshotIntermediates(p.route, p.debtAsset);

        bytes memory data = abi.encode(p);
        // The lender: the executor's Aave pool or Morpho, or a verified Uniswap V3 pool.
        address lender;
        if (p.source == FlashSource.AaveFlashLoan) {
            lender = aave;
            _expectCallback(lender);
            IKeeperAaveFlashLoanPool(lender).flashLoanSimple(address(this), p.debtAsset, p.debtToCover, data, 0);
        } else if (p.source == FlashSource.UniswapV3Flash) {
            lender = p.lender;
            (address token0, address token1) = _tokensOf(lender);
            if (token0 != p.debtAsset && token1 != p.debtAsset) revert TokenNotInPool(p.debtAsset, lender);
            _requireV3Pool(lender, token0, token1);
            _expectCallback(lender);
            // The V3 flash callback reports fees only: the amount lent travels in transient storage.
            _result0 = p.debtToCover;
            bool debtIs0 = token0 == p.debtAsset;
            IKeeperUniswapV3FlashPool(lender).flash(
                address(this), debtIs0 ? p.debtToCover : 0, debtIs0 ? 0 : p.debtToCover, data
            );
        } else {
            lender = _morpho();
            _routedCallback = true;
            _expectCallback(lender);
            IKeeperMorpho(lender).flashLoan(p.debtAsset, p.debtToCover, data);
        }
        _requireCallbackConsumed();
        // Aave and Morpho pull exactly what was approved; a V3 pool was paid by transfer (no allowance to clear).
        if (p.source != FlashSource.UniswapV3Flash) _clearAllowance(p.debtAsset, lender);

        _settleIntermediates(mids, midsBefore);
        _settle(p.collateralAsset, collateralBefore, 0);
        profit = _settle(p.debtAsset, debtBefore, p.minProfit);
        _emitAaveRouted(p, profit);
    }

    function _emitAaveRouted(AaveRoutedLiquidation calldata p, uint256 profit) private {
        emit AaveLiquidatedRouted(
            p.user, p.collateralAsset, p.debtAsset, p.source, _result0, _result1, _result2, _result3, profit
        );
    }

    /// @dev Shared by the three flash callbacks (msg.sender is the authenticated lender): liquidates with the loan,
    ///      sells all the seized collateral along the route and returns what the lender is owed.
    function _onAaveRoutedFlash(uint256 borrowed, uint256 fee, bytes calldata data)
        private
        returns (uint256 owed, address debtAsset)
    {
        AaveRoutedLiquidation memory p = abi.decode(data, (AaveRoutedLiquidation));
        (uint256 repaid, uint256 seized) = _aaveLiquidate(p.collateralAsset, p.debtAsset, p.user, borrowed);
        uint256 debtFromRoute = _sellAlongRoute(p.route, p.collateralAsset, p.debtAsset, seized);
        (_result0, _result1, _result2, _result3) = (repaid, seized, debtFromRoute, fee);
        (owed, debtAsset) = (borrowed + fee, p.debtAsset);
    }

    /// @dev Routed `onMorphoLiquidate`: sells what Morpho just sent along the route, approves the repayment.
    function _onMorphoLiquidateRouted(uint256 repaidAssets, bytes calldata data) private {
        (address collateralToken, address loanToken, uint256 collateralBefore, SaleRoute memory route) =
            abi.decode(data, (address, address, uint256, SaleRoute));
        uint256 seized = _balance(collateralToken) - collateralBefore;
        _result0 = _sellAlongRoute(route, collateralToken, loanToken, seized);
        // Morpho pulls the repayment with transferFrom once this returns, which spends the allowance to zero.
        _approve(loanToken, msg.sender, repaidAssets);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Flash-swap bodies (msg.sender is the authenticated flash pair)
    // ---------------------------------------------------------------------------------------------------------

    function _onAaveV2Flash(uint256 borrowed, bytes calldata data) private {
        (, AaveLiquidationParams memory p, address repayToken) =
            abi.decode(data, (V2FlashKind, AaveLiquidationParams, address));
        (uint256 repaid, uint256 seized) = _aaveLiquidate(p.collateralAsset, p.debtAsset, p.user, borrowed);
        // Aave may take less than offered (close factor, collateral cap): the rest goes back to the pair.
        uint256 owed = _returnUnusedAndQuote(p.debtAsset, repayToken, borrowed, repaid);

        uint256 collateralToPair;
        if (p.swapPair == address(0)) {
            _transfer(p.collateralAsset, msg.sender, owed);
            collateralToPair = owed;
        } else {
            collateralToPair = _swapForExactOut(p.swapPair, p.collateralAsset, repayToken, owed, msg.sender);
        }
        (_result0, _result1, _result2) = (repaid, seized, collateralToPair);
    }

    function _onV2RebalanceFlash(uint256 borrowed, bytes calldata data) private {
        (, address pair, address tokenIn, address tokenOut) =
            abi.decode(data, (V2FlashKind, address, address, address));
        uint256 amountOut = _swapExactIn(pair, tokenIn, tokenOut, borrowed, address(this));
        uint256 owed = _returnUnusedAndQuote(tokenIn, tokenOut, borrowed, borrowed);
        _transfer(tokenOut, msg.sender, owed);
        (_result0, _result1, _result2) = (borrowed, amountOut, owed);
    }

    function _onV3RebalanceFlash(uint256 borrowed, bytes calldata data) private {
        Trade memory t;
        (, address pool, bool zeroForOne, uint160 sqrtPriceLimitX96, address tokenIn, address tokenOut) =
            abi.decode(data, (V2FlashKind, address, bool, uint160, address, address));
        (t.tokenIn, t.tokenOut) = (tokenIn, tokenOut);
        (t.amountIn, t.amountOut) = _swapV3(pool, zeroForOne, borrowed, sqrtPriceLimitX96, t);
        // The V3 swap stops at the target, usually before using all of the flash swap: the rest goes back.
        t.cost = _returnUnusedAndQuote(tokenIn, tokenOut, borrowed, t.amountIn);
        _transfer(tokenOut, msg.sender, t.cost);
        (_result0, _result1, _result2) = (t.amountIn, t.amountOut, t.cost);
    }

    /// @dev For the flash pair calling back (msg.sender), which lent `borrowed` of `tokenBorrowed`: hands back
    ///      what was not `used`, and returns the payment in `tokenPay` that settles the rest. Handing back costs
    ///      only the pair's 0.3% on that amount, which the quote includes.
    function _returnUnusedAndQuote(address tokenBorrowed, address tokenPay, uint256 borrowed, uint256 used)
        private
        returns (uint256 owed)
    {
        uint256 unused = borrowed - used;
        if (unused != 0) _transfer(tokenBorrowed, msg.sender, unused);
        (uint256 reservePay, uint256 reserveBorrowed) = _reserves(msg.sender, tokenPay, tokenBorrowed);
        owed = _v2AmountOwed(reservePay, reserveBorrowed, borrowed, unused);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Routes
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Sells exactly `amountIn` of `tokenIn` along `route` for `tokenOut` and returns the output, which lands
    ///      in the executor. See `SaleRoute` for how the input is split.
    function _sellAlongRoute(SaleRoute memory route, address tokenIn, address tokenOut, uint256 amountIn)
        private
        returns (uint256 amountOut)
    {
        uint256 n = route.legs.length;
        if (n == 0) revert InvalidRoute(0, tokenOut);
        uint256 planned;
        for (uint256 i; i < n; ++i) {
            planned += route.legs[i].amountIn;
        }
        uint256 left = amountIn;
        for (uint256 i; i < n; ++i) {
            // With nothing planned (all zeros) the last leg takes everything.
            uint256 legIn =
                i + 1 == n ? left : planned == 0 ? 0 : Math.mulDiv(amountIn, route.legs[i].amountIn, planned);
            left -= legIn;
            if (legIn != 0) amountOut += _sellLeg(route.legs[i].hops, tokenIn, tokenOut, legIn, i);
        }
        if (amountOut < route.minAmountOut) revert RouteOutputTooLow(amountOut, route.minAmountOut);
    }

    /// @dev One leg, hop by hop. A hop followed by a V2 hop delivers its output straight to that pair (as Uniswap's
    ///      router does), saving a transfer; otherwise the output comes to the executor.
    function _sellLeg(RouteHop[] memory hops, address tokenIn, address tokenOut, uint256 amountIn, uint256 leg)
        private
        returns (uint256 amount)
    {
        uint256 m = hops.length;
        if (m == 0) revert InvalidRoute(leg, tokenOut);
        amount = amountIn;
        address token = tokenIn;
        bool prepaid;
        for (uint256 j; j < m; ++j) {
            RouteHop memory h = hops[j];
            bool nextIsV2 = j + 1 < m && hops[j + 1].kind == PoolKind.UniswapV2;
            address to = nextIsV2 ? hops[j + 1].pool : address(this);
            if (h.kind == PoolKind.UniswapV2) {
                _requireV2Pair(h.pool, token, h.tokenOut);
                amount = _v2HopExactIn(h.pool, token, h.tokenOut, amount, prepaid, to);
            } else {
                amount = _v3HopExactIn(h.pool, token, h.tokenOut, amount, to);
            }
            prepaid = nextIsV2;
            token = h.tokenOut;
        }
        if (token != tokenOut) revert InvalidRoute(leg, tokenOut);
    }

    /// @dev V2 exact-input swap at getAmountOut of the reserves read now; the input is sent first unless the
    ///      previous hop already delivered it to the pair.
    function _v2HopExactIn(address pair, address tokenIn, address tokenOut, uint256 amountIn, bool prepaid, address to)
        private
        returns (uint256 amountOut)
    {
        (uint256 reserveIn, uint256 reserveOut) = _reserves(pair, tokenIn, tokenOut);
        uint256 amountInWithFee = amountIn * 997;
        amountOut = amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
        if (!prepaid) _transfer(tokenIn, pair, amountIn);
        bool inIs0 = tokenIn < tokenOut;
        IKeeperUniswapV2Pair(pair).swap(inIs0 ? 0 : amountOut, inIs0 ? amountOut : 0, to, "");
    }

    /// @dev V3 exact-input swap without price limit, paid in the swap callback (armed for this pool only); the pool
    ///      must take the whole input.
    function _v3HopExactIn(address pool, address tokenIn, address tokenOut, uint256 amountIn, address to)
        private
        returns (uint256 amountOut)
    {
        _requireV3Pool(pool, tokenIn, tokenOut);
        bool zeroForOne = tokenIn < tokenOut;
        (address token0, address token1) = zeroForOne ? (tokenIn, tokenOut) : (tokenOut, tokenIn);
        _expectCallback(pool);
        (int256 amount0, int256 amount1) = IKeeperUniswapV3Pool(pool).swap(
            to,
            zeroForOne,
            _toInt256(amountIn),
            zeroForOne ? MIN_SQRT_PRICE_LIMIT : MAX_SQRT_PRICE_LIMIT,
            abi.encode(V3SwapKind.PayOwed, token0, token1)
        );
        _requireCallbackConsumed();
        (int256 deltaIn, int256 deltaOut) = zeroForOne ? (amount0, amount1) : (amount1, amount0);
        if (uint256(deltaIn) != amountIn) revert PartialFill(pool, uint256(deltaIn), amountIn);
        amountOut = uint256(-deltaOut);
    }

    /// @dev Balances of the tokens a route passes through (every hop output but `tokenOut`), so the action can prove
    ///      it spent none of its inventory of them, even on a route naming a wrong token.
    function _snapshotIntermediates(SaleRoute calldata route, address tokenOut)
        private
        view
        returns (address[] memory tokens, uint256[] memory before)
    {
        uint256 count;
        uint256 n = route.legs.length;
        for (uint256 i; i < n; ++i) {
            count += route.legs[i].hops.length;
        }
        tokens = new address[](count);
        count = 0;
        for (uint256 i; i < n; ++i) {
            RouteHop[] calldata hops = route.legs[i].hops;
            for (uint256 j; j < hops.length; ++j) {
                address t = hops[j].tokenOut;
                if (t == tokenOut || _contains(tokens, count, t)) continue;
                tokens[count++] = t;
            }
        }
        assembly ("memory-safe") {
            mstore(tokens, count)
        }
        before = new uint256[](count);
        for (uint256 k; k < count; ++k) {
            before[k] = _balance(tokens[k]);
        }
    }

    function _contains(address[] memory tokens, uint256 count, address t) private pure returns (bool) {
        for (uint256 k; k < count; ++k) {
            if (tokens[k] == t) return true;
        }
        return false;
    }

    /// @dev Intermediate tokens must be back to (at least) their starting balance; any gain goes to the owner.
    function _settleIntermediates(address[] memory tokens, uint256[] memory before) private {
        for (uint256 k; k < tokens.length; ++k) {
            _settle(tokens[k], before[k], 0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Repays up to `amount` through Aave and measures what Aave took and gave by balance deltas, because
    ///      liquidationCall returns nothing and applies its own caps.
    function _aaveLiquidate(address collateral, address debt, address user, uint256 amount)
        private
        returns (uint256 repaid, uint256 seized)
    {
        address pool = aavePool;
        uint256 debtBefore = _balance(debt);
        uint256 collateralBefore = _balance(collateral);
        _approve(debt, pool, amount);
        IKeeperAavePool(pool).liquidationCall(collateral, debt, user, amount, false);
        repaid = debtBefore - _balance(debt);
        seized = _balance(collateral) - collateralBefore;
        // Leave no standing allowance to the pool.
        if (repaid != amount) _approve(debt, pool, 0);
    }

    /// @dev Swaps on a V3 pool, paying in the callback from what the executor holds, and returns (input, output).
    function _swapV3(address pool, bool zeroForOne, uint256 amountIn, uint160 sqrtPriceLimitX96, Trade memory t)
        private
        returns (uint256 used, uint256 received)
    {
        (address token0, address token1) = zeroForOne ? (t.tokenIn, t.tokenOut) : (t.tokenOut, t.tokenIn);
        _expectCallback(pool);
        (int256 amount0, int256 amount1) = IKeeperUniswapV3Pool(pool).swap(
            address(this), zeroForOne, _toInt256(amountIn), sqrtPriceLimitX96, abi.encode(V3SwapKind.PayOwed, token0, token1)
        );
        _requireCallbackConsumed();
        (int256 deltaIn, int256 deltaOut) = zeroForOne ? (amount0, amount1) : (amount1, amount0);
        used = uint256(deltaIn);
        received = uint256(-deltaOut);
    }

    /// @dev Sells exactly `amountIn` on a V2 pair at its getAmountOut price, output to `to`.
    function _swapExactIn(address pair, address tokenIn, address tokenOut, uint256 amountIn, address to)
        private
        returns (uint256 amountOut)
    {
        amountOut = _v2HopExactIn(pair, tokenIn, tokenOut, amountIn, false, to);
    }

    /// @dev Buys exactly `amountOut` on a V2 pair at its getAmountIn price, output to `to`; returns the input paid.
    function _swapForExactOut(address pair, address tokenIn, address tokenOut, uint256 amountOut, address to)
        private
        returns (uint256 amountIn)
    {
        (uint256 reserveIn, uint256 reserveOut) = _reserves(pair, tokenIn, tokenOut);
        amountIn = reserveIn * amountOut * 1000 / ((reserveOut - amountOut) * 997) + 1;
        _transfer(tokenIn, pair, amountIn);
        bool inIs0 = tokenIn < tokenOut;
        IKeeperUniswapV2Pair(pair).swap(inIs0 ? 0 : amountOut, inIs0 ? amountOut : 0, to, "");
    }

    /// @dev Smallest payment in the pair's other token that settles a flash swap of `amountOut`, `returned` of
    ///      which was handed back. Solves the pair's check
    ///        (balBorrowed*1000 - 3*returned) * (balPay*1000 - 3*x) >= reserveBorrowed * reservePay * 1000^2
    ///      with balBorrowed = reserveBorrowed - amountOut + returned and balPay = reservePay + x, for the least x.
    ///      With nothing returned this is UniswapV2Library.getAmountIn, rounded up exactly instead of "+ 1".
    ///      Reserves must be the ones the pair read at the start of its swap (still true during the callback).
    function _v2AmountOwed(uint256 reservePay, uint256 reserveBorrowed, uint256 amountOut, uint256 returned)
        private
        pure
        returns (uint256)
    {
        uint256 borrowedAdjusted = (reserveBorrowed - amountOut) * 1000 + returned * 997;
        uint256 payAdjustedNeeded = Math.ceilDiv(reserveBorrowed * reservePay * 1_000_000, borrowedAdjusted);
        uint256 payAdjusted = reservePay * 1000;
        return payAdjustedNeeded > payAdjusted ? Math.ceilDiv(payAdjustedNeeded - payAdjusted, 997) : 0;
    }

    /// @dev Reserves of `tokenA` and `tokenB`, oriented by address order as the pair stores them.
    function _reserves(address pair, address tokenA, address tokenB) private view returns (uint256 ra, uint256 rb) {
        (uint112 reserve0, uint112 reserve1,) = IKeeperUniswapV2Pair(pair).getReserves();
        (ra, rb) = tokenA < tokenB ? (uint256(reserve0), uint256(reserve1)) : (uint256(reserve1), uint256(reserve0));
    }

    /// @dev Works for V2 pairs and V3 pools alike: both expose token0()/token1() with the same selectors.
    function _tokensOf(address pool) private view returns (address token0, address token1) {
        token0 = IKeeperUniswapV2Pair(pool).token0();
        token1 = IKeeperUniswapV2Pair(pool).token1();
    }

    function _openTrade(address pool, bool zeroForOne) private view returns (Trade memory t) {
        (address token0, address token1) = _tokensOf(pool);
        (t.tokenIn, t.tokenOut) = zeroForOne ? (token0, token1) : (token1, token0);
        t.inBefore = _balance(t.tokenIn);
        t.outBefore = _balance(t.tokenOut);
    }

    function _requireSameTokens(address pool, address fundingPool, Trade memory t) private view {
        (address token0, address token1) = _tokensOf(fundingPool);
        bool same = (token0 == t.tokenIn && token1 == t.tokenOut) || (token0 == t.tokenOut && token1 == t.tokenIn);
        if (!same || fundingPool == pool) revert PoolTokensMismatch(pool, fundingPool);
    }

    function _requireWithinTolerance(uint256 got, uint256 target, uint16 toleranceBps) private pure {
        uint256 diff = got > target ? got - target : target - got;
        if (diff * 10_000 > target * toleranceBps) revert PriceOutOfTolerance(got, target);
    }

    /// @dev Ends a flash-funded action: `token` must not have decreased, and its gain (at least `minProfit`) goes
    ///      to the owner.
    function _settle(address token, uint256 before, uint256 minProfit) private returns (uint256 gain) {
        uint256 after_ = _balance(token);
        if (after_ < before) revert BalanceDecreased(token, before, after_);
        gain = after_ - before;
        if (gain < minProfit) revert InsufficientProfit(gain, minProfit);
        if (gain != 0) _transfer(token, owner, gain);
    }

    /// @dev Ends an inventory-funded rebalance: at most `amountIn` of the input may be gone, and the output gained
    ///      must cover the input's value at the target price plus `minProfit`; that surplus goes to the owner.
    function _settleInventory(Trade memory t, uint256 inputValue, uint256 minProfit) private returns (uint256 profit) {
        uint256 inAfter = _balance(t.tokenIn);
        if (inAfter + t.amountIn < t.inBefore) revert BalanceDecreased(t.tokenIn, t.inBefore, inAfter);
        uint256 outAfter = _balance(t.tokenOut);
        if (outAfter < t.outBefore) revert BalanceDecreased(t.tokenOut, t.outBefore, outAfter);
        uint256 gained = outAfter - t.outBefore;
        profit = gained > inputValue ? gained - inputValue : 0;
        if (profit < minProfit || gained < inputValue) revert InsufficientProfit(profit, minProfit);
        if (profit != 0) _transfer(t.tokenOut, owner, profit);
    }

    /// @dev The Aave pool, or `ProtocolUnavailable` when deployed without one.
    function _aavePool() private view returns (address pool) {
        pool = aavePool;
        if (pool == address(0)) revert ProtocolUnavailable(Protocol.AaveV3);
    }

    /// @dev Morpho Blue, or `ProtocolUnavailable` when deployed without it.
    function _morpho() private view returns (address morpho_) {
        morpho_ = morpho;
        if (morpho_ == address(0)) revert ProtocolUnavailable(Protocol.MorphoBlue);
    }

    /// @dev `pair` must be the V2 factory's pair of the two tokens, or allowlisted. The factory is asked first:
    ///      it is the common case, and a pool posing as a pair cannot make the factory name it.
    function _requireV2Pair(address pair, address tokenA, address tokenB) private view {
        address factory = uniswapV2Factory;
        if (
            pair != address(0) && factory != address(0)
                && IKeeperUniswapV2Factory(factory).getPair(tokenA, tokenB) == pair
        ) return;
        if (!trustedPool[pair]) revert UntrustedPool(pair);
    }

    /// @dev `pool` must be the V3 factory's pool of the two tokens at the fee tier it reports, or allowlisted. The
    ///      fee is read with a raw staticcall so that a contract without `fee()` is refused as untrusted rather
    ///      than reverting without data.
    function _requireV3Pool(address pool, address tokenA, address tokenB) private view {
        address factory = uniswapV3Factory;
        if (pool != address(0) && factory != address(0)) {
            (bool ok, bytes memory ret) = pool.staticcall(abi.encodeCall(IKeeperUniswapV3Pool.fee, ()));
            if (ok && ret.length == 32) {
                uint24 fee = abi.decode(ret, (uint24));
                if (IKeeperUniswapV3Factory(factory).getPool(tokenA, tokenB, fee) == pool) return;
            }
        }
        if (!trustedPool[pool]) revert UntrustedPool(pool);
    }

    /// @dev Charges an inventory-funded rebalance to `token`'s caps: `requested` (what the call may spend) must fit
    ///      both the per-transaction cap and what is left of the day window; `used` (what it did spend) is added
    ///      to the window. A window older than 24 hours is replaced by one opening now.
    function _chargeInventory(address token, uint256 requested, uint256 used) private {
        InventoryCap storage c = inventoryCap[token];
        (uint256 perTx, uint256 perDay, uint256 windowStart, uint256 spent) = (c.perTx, c.perDay, c.windowStart, c.spent);
        if (block.timestamp >= windowStart + 1 days) (windowStart, spent) = (block.timestamp, 0);
        uint256 dayLeft = perDay > spent ? perDay - spent : 0;
        uint256 remaining = perTx < dayLeft ? perTx : dayLeft;
        if (requested > remaining) revert InventoryCapExceeded(token, requested, remaining);
        (c.windowStart, c.spent) = (uint64(windowStart), uint192(spent + used));
    }

    /// @dev Sets `spender`'s allowance of `token` back to zero if the action left any (a spender that pulled less
    ///      than approved); reading it first keeps the usual case, nothing left, to a view call.
    function _clearAllowance(address token, address spender) private {
        if (IKeeperERC20Minimal(token).allowance(address(this), spender) != 0) _approve(token, spender, 0);
    }

    function _expectCallback(address caller) private {
        _expectedCaller = caller;
    }

    function _consumeCallback() private {
        address expected = _expectedCaller;
        if (expected == address(0) || msg.sender != expected) revert UnexpectedCallback(msg.sender);
        _expectedCaller = address(0);
    }

    function _requireCallbackConsumed() private view {
        address expected = _expectedCaller;
        if (expected != address(0)) revert CallbackNotReceived(expected);
    }

    function _balance(address token) private view returns (uint256) {
        return IKeeperERC20Minimal(token).balanceOf(address(this));
    }

    function _transfer(address token, address to, uint256 amount) private {
        _tokenCall(token, abi.encodeCall(IKeeperERC20Minimal.transfer, (to, amount)));
    }

    function _approve(address token, address spender, uint256 amount) private {
        _tokenCall(token, abi.encodeCall(IKeeperERC20Minimal.approve, (spender, amount)));
    }

    /// @dev Accepts tokens that return nothing; a revert bubbles up with the token's own data.
    function _tokenCall(address token, bytes memory callData) private {
        (bool ok, bytes memory ret) = token.call(callData);
        if (!ok) _bubble(ret);
        if (ret.length == 0 ? token.code.length == 0 : !abi.decode(ret, (bool))) revert TokenCallFailed(token);
    }

    function _toInt256(uint256 x) private pure returns (int256) {
        if (x > uint256(type(int256).max)) revert AmountTooLarge(x);
        return int256(x);
    }

    function _bubble(bytes memory ret) private pure {
        assembly ("memory-safe") {
            revert(add(ret, 0x20), mload(ret))
        }
    }
}
