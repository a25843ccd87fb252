import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32, randInt, shuffle } from '../../../src/tasks/index.ts';

describe('rng', () => {
  it('rng - same seed gives the same stream, different seeds differ', () => {
    const draw = (seed: number) => Array.from({ length: 8 }, mulberry32(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const x of draw(7)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('rng - randInt covers [lo, hi] inclusive and nothing else', () => {
    const rng = mulberry32(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(randInt(rng, -2, 3));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(() => randInt(rng, 3, 2)).toThrow(RangeError);
  });

  it('rng - shuffle is a seeded permutation', () => {
    const a = shuffle(mulberry32(9), [...Array(20).keys()]);
    expect(a).toEqual(shuffle(mulberry32(9), [...Array(20).keys()]));
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
  });

  it('rng - derived seeds separate labels', () => {
    expect(deriveSeed(1, 'easy')).not.toBe(deriveSeed(1, 'hard'));
    expect(deriveSeed(1, 'easy')).toBe(deriveSeed(1, 'easy'));
  });
});
