import { describe, expect, it } from 'vitest';
import { DEFAULT_FRACTIONS, PrefixArgumentError, cutPrefixes } from '../../../src/prefix/index.ts';

const tokens = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => 100 + i);

describe('cut', () => {
  it('cut - n=10 gives one token per tenth', () => {
    const prefixes = cutPrefixes(tokens(10));
    expect(prefixes.map((p) => p.length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(prefixes.map((p) => p.fraction)).toEqual([...DEFAULT_FRACTIONS]);
    expect([...prefixes[2].tokens]).toEqual([100, 101, 102]);
  });

  it('cut - n=37 rounds half up (0.5 × 37 = 18.5 → 19)', () => {
    // 3.7, 7.4, 11.1, 14.8, 18.5, 22.2, 25.9, 29.6, 33.3
    expect(cutPrefixes(tokens(37)).map((p) => p.length)).toEqual([4, 7, 11, 15, 19, 22, 26, 30, 33]);
  });

  it('cut - binary noise in fraction × n does not change the rounding (0.7 × 15 = 10.5 → 11)', () => {
    expect(cutPrefixes(tokens(15), [0.7]).map((p) => p.length)).toEqual([11]);
  });

  it('cut - n=2 leaves a single one-token prefix', () => {
    const prefixes = cutPrefixes([7, 8]);
    expect(prefixes).toHaveLength(1);
    expect(prefixes[0].fraction).toBe(0.1);
    expect(prefixes[0].length).toBe(1);
    expect([...prefixes[0].tokens]).toEqual([7]);
  });

  it('cut - fewer than 2 tokens yields no prefix', () => {
    expect(cutPrefixes([])).toEqual([]);
    expect(cutPrefixes([5])).toEqual([]);
  });

  it('cut - duplicate lengths keep the first fraction', () => {
    // n=4: 0.4, 0.8, 1.2, 1.6, 2, 2.4, 2.8, 3.2, 3.6 → 1,1,1,2,2,2,3,3,3 (4 clipped to 3).
    const prefixes = cutPrefixes(tokens(4));
    expect(prefixes.map((p) => [p.fraction, p.length])).toEqual([
      [0.1, 1],
      [0.4, 2],
      [0.7, 3],
    ]);
  });

  it('cut - a prefix is never empty and never the whole completion', () => {
    for (let n = 2; n <= 60; n++) {
      for (const p of cutPrefixes(tokens(n), [0.01, 0.5, 0.99])) {
        expect(p.length).toBeGreaterThanOrEqual(1);
        expect(p.length).toBeLessThanOrEqual(n - 1);
        expect(p.tokens.length).toBe(p.length);
      }
    }
  });

  it('cut - prefixes are copies, not views of the completion', () => {
    const completion = tokens(10);
    const [first] = cutPrefixes(completion);
    completion[0] = -1;
    expect(first.tokens[0]).toBe(100);
    expect(first.tokens.buffer).not.toBe(completion.buffer);
  });

  it('cut - bad fractions are rejected, naming the value', () => {
    expect(() => cutPrefixes(tokens(10), [0.1, 1])).toThrow(/^fractions\[1\]: expected a number in \(0, 1\), got 1/);
    expect(() => cutPrefixes(tokens(10), [0])).toThrow(/^fractions\[0\]: .*got 0/);
    expect(() => cutPrefixes(tokens(10), [NaN])).toThrow(/^fractions\[0\]: .*got NaN/);
    expect(() => cutPrefixes(tokens(10), [0.5, 0.3])).toThrow(/^fractions\[1\]: .*ascend.*got 0\.3/);
    expect(() => cutPrefixes(tokens(10), [0.5, 0.5])).toThrow(/^fractions\[1\]: /);
    expect(() => cutPrefixes(tokens(10), [])).toThrow(PrefixArgumentError);
    // Fractions are checked even when the completion is too short to cut.
    expect(() => cutPrefixes([1], [2])).toThrow(/^fractions\[0\]: /);
  });

  it('cut - tokens must be int32 integers', () => {
    expect(() => cutPrefixes([1, 2.5, 3])).toThrow(/^completion\[1\]: /);
    expect(() => cutPrefixes([1, 2 ** 31])).toThrow(/^completion\[1\]: /);
  });
});
