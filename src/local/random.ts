/**
 * A small seeded PRNG for the local marketplace and the node agent: prices, preemption
 * times and fake generated text must replay the same way from the same seed, so
 * nothing here touches `Math.random`.
 */

/** A source of uniform numbers in [0, 1) with a few derived draws. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (mean 0, deviation 1). */
  normal(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/**
 * mulberry32: 32 bits of state, good enough statistics for emulation and fast.
 * @param seed any number; the same seed gives the same sequence.
 */
export function seededRandom(seed: number): Random {
  let state = hashSeed(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal: () => {
      // Box-Muller; 1 - u keeps the log argument in (0, 1].
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    int: (n) => Math.floor(next() * n),
  };
}

/** Mix a number (or several) into a 32-bit seed, so that nearby seeds give unrelated streams. */
export function hashSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
