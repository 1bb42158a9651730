/** The world's seeded PRNG is the kernel's (src/prng.ts): one generator, so a seed means the same thing everywhere. */
export { seededRandom } from "../prng.js";
