/**
 * Tiny deterministic PRNG for property tests (mulberry32), so a failing case can be replayed
 * from its seed without a new dependency.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [lo, hi] (numbers). */
  int(lo: number, hi: number): number {
    return lo + (this.nextU32() % (hi - lo + 1));
  }

  /** Uniform-ish bigint in [lo, hi] (slight modulo bias is irrelevant for tests). */
  bigint(lo: bigint, hi: bigint): bigint {
    const span = hi - lo + 1n;
    let r = 0n;
    const bits = span.toString(2).length + 32;
    for (let i = 0; i < bits; i += 32) r = (r << 32n) | BigInt(this.nextU32());
    return lo + (r % span);
  }

  /** A bigint whose magnitude is spread log-uniformly over [10^minExp, 10^maxExp]. */
  logBigint(minExp: number, maxExp: number): bigint {
    const exp = this.int(minExp, maxExp);
    return this.bigint(10n ** BigInt(exp), 10n ** BigInt(exp + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.nextU32() / 2 ** 32 < p;
  }
}
