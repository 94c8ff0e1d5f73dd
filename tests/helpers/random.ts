/**
 * @module random_helper
 * A small seeded PRNG for tests that make random choices at run time (which
 * process to kill, when), so that a failing run can be replayed from the
 * seed it printed.
 *
 * ```ts
 * const random = rng(seed);
 * const delay = Math.floor(random() * 200);
 * ```
 */

/** mulberry32: a function returning numbers in [0, 1), the same sequence for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
