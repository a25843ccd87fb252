/**
 * Seeded randomness shared by the whole project. Everything that must be reproducible
 * (question generation, traces, shuffles) draws from a {@link mulberry32} stream, never from
 * `Math.random`.
 */

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/**
 * Mulberry32: a 32-bit-state generator, fast and good enough for sampling (not for crypto).
 * The seed is taken modulo 2^32, so seeds that differ only above that collide.
 *
 * @example
 * const rng = mulberry32(42);
 * rng(); // same number on every run
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [lo, hi], both ends included. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
    throw new RangeError(`randInt: expected integers lo <= hi, got ${lo}, ${hi}`);
  }
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Shuffles `items` in place (Fisher–Yates) and returns it. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** 32-bit FNV-1a hash of a string's UTF-16 units. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A seed for an independent stream labelled `label` under `seed`, so that e.g. the `easy` and
 * `hard` splits drawn with the same seed do not share their random numbers.
 */
export function deriveSeed(seed: number, label: string): number {
  return (hashString(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
}
