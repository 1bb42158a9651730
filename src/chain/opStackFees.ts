import { parseAbi, type Chain, type PublicClient, type Transport } from "viem";
import { optimism } from "viem/chains";
import { KeeperError } from "../errors.js";
import type { OpStackL1FeeParams } from "../risk/l1Fee.js";
import { readBatched, type BatchedReadOptions, type ReadCall } from "./multicall.js";

/**
 * The GasPriceOracle predeploy, at the same address on every OP-stack chain (viem's chain definitions name it; Base
 * and Optimism alike).
 */
export const GAS_PRICE_ORACLE = optimism.contracts.gasPriceOracle.address;

/** The parts of GasPriceOracle (contracts-bedrock L2/GasPriceOracle.sol) the fee bound needs. */
export const gasPriceOracleAbi = parseAbi([
  "function isFjord() view returns (bool)",
  "function l1BaseFee() view returns (uint256)",
  "function blobBaseFee() view returns (uint256)",
  "function baseFeeScalar() view returns (uint32)",
  "function blobBaseFeeScalar() view returns (uint32)",
  "function getL1FeeUpperBound(uint256 unsignedTxSize) view returns (uint256)",
]);

/** The chain has the GasPriceOracle, but one of its fee parameters could not be read at the block. */
export class L1FeeReadError extends KeeperError {
  override name = "L1FeeReadError";
}

const PARAMS = ["l1BaseFee", "blobBaseFee", "baseFeeScalar", "blobBaseFeeScalar"] as const;

/**
 * Reads the L1 data fee's parameters with each snapshot, on OP-stack chains only. The first read also asks the
 * predeploy whether Fjord is active: on any other chain (no code there, or an older OP-stack chain whose fee needs
 * the signed bytes) the answer is not `true`, and the reader never reads again. Its calls join the snapshot's
 * multicall wave: no request of their own.
 */
export class OpStackFeeReader {
  private active?: boolean;

  /** Whether the chain charges a Fjord L1 data fee (undefined before the first read). */
  get isOpStack(): boolean | undefined {
    return this.active;
  }

  async read(
    client: PublicClient<Transport, Chain>,
    options: BatchedReadOptions,
  ): Promise<OpStackL1FeeParams | undefined> {
    if (this.active === false) return undefined;
    const call = (functionName: string): ReadCall => ({
      address: GAS_PRICE_ORACLE,
      abi: gasPriceOracleAbi,
      functionName,
    });
    const probe = this.active === undefined;
    const results = await readBatched<bigint | number | boolean>(
      client,
      [...(probe ? [call("isFjord")] : []), ...PARAMS.map(call)],
      options,
    );
    if (probe) {
      this.active = results[0].ok && results[0].value === true;
      if (!this.active) return undefined;
    }
    const values = results.slice(probe ? 1 : 0);
    // On a chain that has the oracle, no figure is safer than a wrong one: the snapshot fails and the block is skipped.
    const failed = values.findIndex((r) => !r.ok);
    if (failed >= 0)
      throw new L1FeeReadError(`GasPriceOracle.${PARAMS[failed]}() did not answer at block ${options.blockNumber}.`, {
        metaMessages: ["The block is skipped: its transactions' L1 data fee cannot be priced. Check the RPC node."],
      });
    const [l1BaseFee, blobBaseFee, baseFeeScalar, blobBaseFeeScalar] = values.map((r) =>
      r.ok ? BigInt(r.value as bigint) : 0n,
    );
    return { l1BaseFee, blobBaseFee, baseFeeScalar, blobBaseFeeScalar };
  }
}
