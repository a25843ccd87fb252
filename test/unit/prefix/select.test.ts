import { describe, expect, it } from 'vitest';
import { inBand, selectPrefix, type PrefixCandidate } from '../../../src/prefix/index.ts';

const c = (length: number, successes: number, trials: number): PrefixCandidate => ({
  fraction: length / 100,
  length,
  successes,
  trials,
});

describe('select', () => {
  it('select - picks the p̂ closest to τ = 0.5', () => {
    // distances: 15/16 → 0.4375, 5/16 → 0.1875, 9/16 → 0.0625, 1/16 → 0.4375
    const candidates = [c(20, 15, 16), c(40, 5, 16), c(60, 9, 16), c(80, 1, 16)];
    expect(selectPrefix(candidates)).toBe(candidates[2]);
  });

  it('select - honours other targets', () => {
    const candidates = [c(20, 15, 16), c(40, 12, 16), c(60, 9, 16), c(80, 1, 16)];
    expect(selectPrefix(candidates, 0.75)).toBe(candidates[1]); // 12/16 = 0.75 exactly
    expect(selectPrefix(candidates, 0.1)).toBe(candidates[3]); // 1/16 = 0.0625 → 0.0375
  });

  it('select - a tie goes to the shorter prefix, whatever the order', () => {
    const long = c(70, 10, 16); // 0.625, distance 0.125
    const short = c(50, 6, 16); // 0.375, distance 0.125
    expect(selectPrefix([long, short])).toBe(short);
    expect(selectPrefix([short, long])).toBe(short);
  });

  it('select - ties are judged with a tolerance: |0.7 − 0.5| and |0.3 − 0.5| differ only in the last bit', () => {
    const short = c(40, 3, 10);
    const long = c(60, 7, 10); // 0.19999999999999996 in floating point, vs 0.2
    expect(selectPrefix([short, long])).toBe(short);
  });

  it('select - a tie between equal lengths keeps the earlier candidate', () => {
    const first = c(50, 4, 8);
    const second = c(50, 8, 16);
    expect(selectPrefix([first, second])).toBe(first);
  });

  it('select - candidates with zero trials are skipped', () => {
    const untried = c(10, 0, 0);
    const tried = c(20, 31, 32);
    expect(selectPrefix([untried, tried])).toBe(tried);
    expect(selectPrefix([untried])).toBeUndefined();
    expect(selectPrefix([])).toBeUndefined();
  });

  it('select - a closer estimate wins even from fewer trials', () => {
    const candidates = [c(30, 30, 32), c(60, 2, 4)];
    expect(selectPrefix(candidates)).toBe(candidates[1]);
  });

  it('select - returns the caller’s own object, extra fields included', () => {
    const tagged = { ...c(30, 4, 8), prefixId: 'q7/0.3' };
    expect(selectPrefix([tagged])?.prefixId).toBe('q7/0.3');
  });

  it('select - τ must be in (0, 1)', () => {
    for (const tau of [0, 1, -0.5, NaN]) {
      expect(() => selectPrefix([c(10, 1, 2)], tau)).toThrow(/^tau: expected a number in \(0, 1\)/);
    }
  });

  it('select - malformed candidates are rejected by position and field', () => {
    expect(() => selectPrefix([c(10, 1, 2), c(20, 3, 2)])).toThrow(/^candidates\[1\]\.successes: /);
    expect(() => selectPrefix([c(10, 1, -2)])).toThrow(/^candidates\[0\]\.trials: /);
    expect(() => selectPrefix([c(0, 1, 2)])).toThrow(/^candidates\[0\]\.length: /);
  });

  it('band - ends are included', () => {
    expect(inBand(0.25)).toBe(true);
    expect(inBand(0.5)).toBe(true);
    expect(inBand(0.75)).toBe(true);
    expect(inBand(0.2499)).toBe(false);
    expect(inBand(0.7501)).toBe(false);
  });

  it('band - a custom band, validated', () => {
    expect(inBand(0.9, [0.1, 0.9])).toBe(true);
    expect(inBand(0.05, [0.1, 0.9])).toBe(false);
    expect(() => inBand(0.5, [0.8, 0.2])).toThrow(/^band\[1\]: /);
    expect(() => inBand(0.5, [-0.1, 0.2])).toThrow(/^band\[0\]: /);
    expect(() => inBand(NaN)).toThrow(/^pHat: .*got NaN/);
    expect(() => inBand(1.2)).toThrow(/^pHat: /);
  });
});
