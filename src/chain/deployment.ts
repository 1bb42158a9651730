/**
 * The deployment file: the protocol addresses the keeper works with, as a record of validated sections. The
 * base (chain, tokens, feeds, Multicall3) is validated here; each protocol module brings the zod schema of its
 * own section and adds its type to `DeploymentSections` (TypeScript declaration merging), so a new protocol is
 * a new folder, not an edit of this file. `npm run world` writes the same format.
 */
import { readFileSync } from "node:fs";
import { getAddress, isAddress, type Address } from "viem";
import { z } from "zod";
import { KeeperError } from "../errors.js";

/** An EIP-55 address (any case accepted, checksummed on the way in). */
export const zAddress = z
  .string()
  .refine((s) => isAddress(s, { strict: false }), { message: "expected a 0x-prefixed 20-byte address" })
  .transform((s) => getAddress(s) as Address);

/** A non-negative integer given as a decimal string, a number or a bigint. */
export const zBigint = z
  .union([z.string().regex(/^\d+$/, "expected a decimal integer"), z.number().int().nonnegative(), z.bigint()])
  .transform((v) => BigInt(v));

/** A 32-byte hex value (market ids). */
export const zBytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex value") as unknown as z.ZodType<`0x${string}`>;

const tokenSchema = z.object({
  address: zAddress,
  symbol: z.string().min(1),
  decimals: z.number().int().min(0).max(36),
});

const baseSchema = z.object({
  chainId: z.number().int().positive(),
  /** First block holding the protocols' contracts: where event discovery starts. */
  startBlock: zBigint,
  multicall3: zAddress,
  tokens: z.record(z.string(), tokenSchema),
  /** Chainlink-style USD feeds by token symbol. */
  feeds: z.record(z.string(), zAddress),
  /** Heartbeat of a feed, in seconds, by token symbol: an answer older than this is stale (inventory rebalances
   *  refuse it). Feeds not listed use the FEED_MAX_AGE_S setting. */
  feedMaxAgeS: z.record(z.string(), z.number().int().positive()).optional(),
  /** Symbol of the wrapped native token, whose feed prices gas. Default "WETH". */
  wrappedNative: z.string().optional(),
});

export type DeploymentToken = z.output<typeof tokenSchema>;
export type DeploymentBase = z.output<typeof baseSchema>;

/** Sections added by protocol modules (see src/protocols/<name>/schema.ts); each is optional. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DeploymentSections {}

export type Deployment = DeploymentBase & DeploymentSections;

/** The section schemas a caller validates against, by section key (the protocol registry supplies them). */
export type SectionSchemas = Readonly<Record<string, z.ZodTypeAny>>;

/** Raised for a deployment file that cannot be read or does not match the schema; names the bad field. */
export class DeploymentError extends KeeperError {
  override name = "DeploymentError";
}

/**
 * Validates a parsed deployment document: the base, then each known section that is present. Unknown top-level
 * keys are kept as they are (the world adds its own fixtures). Every problem is listed with its path.
 */
export function parseDeployment(raw: unknown, sections: SectionSchemas, source = "deployment"): Deployment {
  const problems: string[] = [];
  const base = baseSchema.safeParse(raw);
  if (!base.success) problems.push(...base.error.issues.map((i) => `${[source, ...i.path].join(".")}: ${i.message}`));
  const out: Record<string, unknown> = { ...(raw as object), ...(base.success ? base.data : {}) };
  for (const [key, schema] of Object.entries(sections)) {
    const value = (raw as Record<string, unknown> | null)?.[key];
    if (value === undefined || value === null) {
      delete out[key];
      continue;
    }
    const r = schema.safeParse(value);
    if (r.success) out[key] = r.data;
    else problems.push(...r.error.issues.map((i) => `${[source, key, ...i.path].join(".")}: ${i.message}`));
  }
  if (problems.length > 0) {
    throw new DeploymentError(
      `The ${source} does not match the deployment schema (${problems.length} problem${problems.length > 1 ? "s" : ""}).`,
      {
        metaMessages: [
          ...problems.slice(0, 20),
          ...(problems.length > 20 ? [`... and ${problems.length - 20} more`] : []),
        ],
      },
    );
  }
  return out as unknown as Deployment;
}

/** Loads and validates a deployment file; a missing or malformed file says what to do. */
export function loadDeployment(path: string, sections: SectionSchemas): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new DeploymentError(`Cannot read the deployment file ${path}.`, {
      cause,
      metaMessages: ["Set DEPLOYMENT_FILE (or --deployment-file) to the JSON written by `npm run world`."],
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentError(`The deployment file ${path} is not valid JSON.`, { cause });
  }
  return parseDeployment(raw, sections, path);
}

/** JSON of a deployment (bigints as decimal strings), the format loadDeployment reads. */
export function deploymentToJson(d: object): string {
  return JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** The wrapped native token (gas is priced with its feed). */
export function wrappedNativeToken(d: DeploymentBase): DeploymentToken {
  const symbol = d.wrappedNative ?? "WETH";
  const t = d.tokens[symbol];
  if (!t)
    throw new DeploymentError(`The deployment has no token "${symbol}" to price gas with.`, {
      metaMessages: ['Add it under "tokens", or set "wrappedNative" to the symbol of the wrapped native token.'],
    });
  return t;
}
