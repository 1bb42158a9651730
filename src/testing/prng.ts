/** A seeded pseudo-random generator, so that a fault schedule can be replayed exactly from its seed. */
export { seededRandom as createPrng } from "../prng.js";
