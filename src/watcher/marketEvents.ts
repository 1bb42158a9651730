/**
 * What the rest of the market did since the last snapshot, from events: every liquidation on the watched lending
 * protocols (Aave's `LiquidationCall`, Morpho's `Liquidate`), whoever sent it, for the missed-liquidation audit; every
 * `Swap` on the watched V2 pairs and V3 pools, for the order-flow figures (src/risk/orderFlow.ts). One eth_getLogs
 * per snapshot, joined to the discovery readers' request of the same range through the snapshot's coalescer, so in
 * the steady state (one block after the other) it costs no request of its own.
 */
import {
  getAddress,
  type AbiEvent,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { getLogsMerged } from "../chain/logs.js";
import type { ReadCoalescer } from "../chain/multicall.js";
import type { Deployment } from "../chain/deployment.js";
import { aavePoolAccountEvents } from "../protocols/aaveV3/abi.js";
import { morphoLiquidateEvent } from "../protocols/morphoBlue/abi.js";
import { v2SwapEvent } from "../protocols/uniswapV2/abi.js";
import { v3SwapEvent } from "../protocols/uniswapV3/abi.js";
import { poolOrderFlows, v2Swap, v3Swap, type PoolOrderFlow, type PoolSwap } from "../risk/orderFlow.js";

const aaveLiquidationCallEvent = aavePoolAccountEvents.find((e) => e.name === "LiquidationCall")!;

/** Default rolling window of the order flow, in blocks (ORDER_FLOW_WINDOW_BLOCKS). */
export const DEFAULT_ORDER_FLOW_WINDOW_BLOCKS = 20;
/** After a longer gap (downtime, skipped heads) only this many blocks are read back: one request, bounded. */
const MAX_GAP_BLOCKS = 1_000n;

/** One liquidation seen on chain, whoever sent it. Addresses checksummed. */
export interface ObservedLiquidation {
  protocol: "aave-v3" | "morpho-blue";
  block: bigint;
  txHash: Hash;
  logIndex: number;
  borrower: Address;
  /** The address the protocol's event names: the caller of liquidationCall / liquidate. */
  liquidator: Address;
  /** Morpho's market id. */
  market?: Hex;
  /** Aave: the event's assets. Morpho: the market's loan and collateral tokens when the snapshot knows the market. */
  debtAsset?: Address;
  collateralAsset?: Address;
  debtRepaid: bigint;
  collateralSeized: bigint;
}

/** The snapshot's market events: the block range read and what it held. */
export interface MarketEvents {
  fromBlock: bigint;
  toBlock: bigint;
  liquidations: readonly ObservedLiquidation[];
}

interface Pool {
  protocol: PoolOrderFlow["protocol"];
  address: Address;
  name: string;
  token0: Address;
}

interface RawLog {
  eventName: string;
  address: Address;
  blockNumber: bigint;
  logIndex: number;
  transactionHash: Hash;
  args: Record<string, unknown>;
}

/** Reads the market's liquidations and swaps block after block; keeps the swaps of the order-flow window. */
export class MarketEventReader {
  private readonly pools: Pool[];
  private readonly v2 = new Set<string>();
  private readonly addresses: Address[];
  private readonly events: AbiEvent[];
  private readonly aavePool?: Address;
  private readonly morpho?: Address;
  private last?: bigint;
  private history: PoolSwap[] = [];

  constructor(
    deployment: Deployment,
    private readonly options: {
      windowBlocks?: number;
      liquidations: boolean;
      swaps: boolean;
      /** Our executor: its own trades are left out of the flow (it measures the rest of the market). */
      executor?: Address;
    },
  ) {
    this.pools = [];
    if (options.swaps) {
      for (const [name, p] of Object.entries(deployment.uniswapV2?.pairs ?? {})) {
        this.pools.push({ protocol: "uniswap-v2", address: p.address, name, token0: p.token0 });
        this.v2.add(p.address.toLowerCase());
      }
      for (const [name, p] of Object.entries(deployment.uniswapV3?.pools ?? {}))
        this.pools.push({ protocol: "uniswap-v3", address: p.address, name, token0: p.token0 });
    }
    if (options.liquidations) {
      this.aavePool = deployment.aave?.pool;
      this.morpho = deployment.morpho?.morpho;
    }
    this.addresses = [
      ...(this.aavePool ? [this.aavePool] : []),
      ...(this.morpho ? [this.morpho] : []),
      ...this.pools.map((p) => p.address),
    ];
    this.events = [
      ...(this.aavePool ? [aaveLiquidationCallEvent as AbiEvent] : []),
      ...(this.morpho ? [morphoLiquidateEvent as AbiEvent] : []),
      ...(this.pools.some((p) => p.protocol === "uniswap-v2") ? [v2SwapEvent as AbiEvent] : []),
      ...(this.pools.some((p) => p.protocol === "uniswap-v3") ? [v3SwapEvent as AbiEvent] : []),
    ];
  }

  get windowBlocks(): number {
    return this.options.windowBlocks ?? DEFAULT_ORDER_FLOW_WINDOW_BLOCKS;
  }

  /** Whether there is anything to read (a deployment without these protocols reads nothing). */
  get active(): boolean {
    return this.addresses.length > 0;
  }

  /**
   * The events of (last snapshot, block]: the first snapshot reads its own block only (no history), a gap longer
   * than MAX_GAP_BLOCKS its last blocks. Returns undefined when `block` was already read.
   */
  async read(
    client: PublicClient<Transport, Chain>,
    at: { blockNumber: bigint; coalescer?: ReadCoalescer },
  ): Promise<{ fromBlock: bigint; toBlock: bigint; logs: RawLog[] } | undefined> {
    if (!this.active) return undefined;
    const toBlock = at.blockNumber;
    if (this.last !== undefined && toBlock <= this.last) return undefined;
    let fromBlock = this.last === undefined ? toBlock : this.last + 1n;
    if (toBlock - fromBlock + 1n > MAX_GAP_BLOCKS) fromBlock = toBlock - MAX_GAP_BLOCKS + 1n;
    const params = { address: this.addresses, events: this.events, fromBlock, toBlock };
    const logs = (
      at.coalescer
        ? await getLogsMerged(client, at.coalescer, params)
        : await client.getLogs({ ...params, strict: true } as never)
    ) as RawLog[];
    this.last = toBlock;
    return { fromBlock, toBlock, logs };
  }

  /**
   * Turns what `read` returned into the snapshot's fields: the liquidations (Morpho's assets from `marketsById`) and
   * each pool's order flow at `toBlock`, valued by `priceOf`.
   */
  digest(
    read: { fromBlock: bigint; toBlock: bigint; logs: RawLog[] } | undefined,
    block: bigint,
    marketsById: ReadonlyMap<string, { loanToken: Address; collateralToken: Address }>,
    priceOf: (token: Address) => { usd8: bigint; decimals: number } | undefined,
  ): { marketEvents?: MarketEvents; orderFlow?: PoolOrderFlow[] } {
    const liquidations: ObservedLiquidation[] = [];
    for (const l of read?.logs ?? []) {
      const base = { block: l.blockNumber, txHash: l.transactionHash, logIndex: l.logIndex };
      const a = l.args;
      const from = l.address.toLowerCase();
      if (l.eventName === "LiquidationCall" && from === this.aavePool?.toLowerCase()) {
        liquidations.push({
          protocol: "aave-v3",
          ...base,
          borrower: getAddress(a.user as Address),
          liquidator: getAddress(a.liquidator as Address),
          debtAsset: getAddress(a.debtAsset as Address),
          collateralAsset: getAddress(a.collateralAsset as Address),
          debtRepaid: a.debtToCover as bigint,
          collateralSeized: a.liquidatedCollateralAmount as bigint,
        });
      } else if (l.eventName === "Liquidate" && from === this.morpho?.toLowerCase()) {
        const id = (a.id as Hex).toLowerCase() as Hex;
        const m = marketsById.get(id);
        liquidations.push({
          protocol: "morpho-blue",
          ...base,
          borrower: getAddress(a.borrower as Address),
          liquidator: getAddress(a.caller as Address),
          market: id,
          ...(m ? { debtAsset: m.loanToken, collateralAsset: m.collateralToken } : {}),
          debtRepaid: a.repaidAssets as bigint,
          collateralSeized: a.seizedAssets as bigint,
        });
      } else if (l.eventName === "Swap") {
        if (this.options.executor && (a.sender as string).toLowerCase() === this.options.executor.toLowerCase())
          continue;
        const pool = getAddress(l.address);
        this.history.push(
          this.v2.has(from)
            ? v2Swap(pool, l.blockNumber, l.logIndex, a as never)
            : v3Swap(pool, l.blockNumber, l.logIndex, a as never),
        );
      }
    }
    const oldest = block - BigInt(this.windowBlocks) + 1n;
    this.history = this.history.filter((s) => s.block >= oldest && s.block <= block);
    return {
      ...(read && this.events.length > 0 && (this.aavePool || this.morpho)
        ? { marketEvents: { fromBlock: read.fromBlock, toBlock: read.toBlock, liquidations } }
        : {}),
      ...(this.pools.length > 0
        ? { orderFlow: poolOrderFlows(this.history, this.pools, block, this.windowBlocks, priceOf) }
        : {}),
    };
  }

  /** Forgets what was read from `block` on (a reorg): those blocks are read again. */
  rewindTo(block: bigint): void {
    if (this.last !== undefined && this.last >= block) this.last = block - 1n;
    this.history = this.history.filter((s) => s.block < block);
  }
}
