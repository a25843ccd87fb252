import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../src/prefix/index.ts';

/** The textbook formula, written out separately as a reference. */
function reference(k: number, n: number, z: number): [number, number] {
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const center = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [(center - spread) / denominator, (center + spread) / denominator];
}

describe('wilson', () => {
  it('wilson - 5 of 10 at z=1.96 is [0.2366, 0.7634]', () => {
    const w = wilsonInterval(5, 10);
    expect(w.low).toBeCloseTo(0.2366, 4);
    expect(w.high).toBeCloseTo(0.7634, 4);
    expect(w.center).toBeCloseTo(0.5, 12);
    expect(w.pHat).toBe(0.5);
  });

  it('wilson - 0 of 10 is [0, 0.2775] with the low end exactly 0', () => {
    const w = wilsonInterval(0, 10);
    expect(w.low).toBe(0);
    expect(w.high).toBeCloseTo(0.2775, 4);
    expect(w.pHat).toBe(0);
  });

  it('wilson - 10 of 10 is [0.7225, 1] with the high end exactly 1', () => {
    const w = wilsonInterval(10, 10);
    expect(w.low).toBeCloseTo(0.7225, 4);
    expect(w.high).toBe(1);
    expect(w.pHat).toBe(1);
  });

  it('wilson - other known values (31/32, 1/32, 8/16 at z=1.645)', () => {
    const a = wilsonInterval(31, 32);
    expect([a.low, a.high].map((x) => Number(x.toFixed(4)))).toEqual([0.8426, 0.9945]);
    const b = wilsonInterval(1, 32);
    expect([b.low, b.high].map((x) => Number(x.toFixed(4)))).toEqual([0.0055, 0.1574]);
    const c = wilsonInterval(8, 16, 1.645);
    expect([c.low, c.high].map((x) => Number(x.toFixed(4)))).toEqual([0.3098, 0.6902]);
  });

  it('wilson - matches the textbook formula, contains p̂ and mirrors k ↔ n − k', () => {
    for (const n of [1, 2, 7, 32, 100]) {
      for (let k = 0; k <= n; k++) {
        const w = wilsonInterval(k, n, 2.1);
        const [low, high] = reference(k, n, 2.1);
        expect(w.low).toBeCloseTo(Math.max(0, low), 12);
        expect(w.high).toBeCloseTo(Math.min(1, high), 12);
        expect(w.low).toBeLessThanOrEqual(k / n);
        expect(w.high).toBeGreaterThanOrEqual(k / n);
        const mirror = wilsonInterval(n - k, n, 2.1);
        expect(mirror.low).toBeCloseTo(1 - w.high, 12);
      }
    }
  });

  it('wilson - zero trials is the whole unit interval with p̂ defined as 0.5', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1, center: 0.5, pHat: 0.5 });
  });

  it('wilson - narrows as trials grow', () => {
    const width = (k: number, n: number) => {
      const w = wilsonInterval(k, n);
      return w.high - w.low;
    };
    expect(width(16, 32)).toBeLessThan(width(8, 16));
    expect(width(8, 16)).toBeLessThan(width(4, 8));
  });

  it('wilson - rejects counts that are not 0 ≤ k ≤ n integers, and a bad z', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/^successes: expected an integer in \[0, 10\], got 11/);
    expect(() => wilsonInterval(-1, 10)).toThrow(/^successes: /);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/^successes: /);
    expect(() => wilsonInterval(0, -1)).toThrow(/^trials: /);
    expect(() => wilsonInterval(0, 2.5)).toThrow(/^trials: /);
    expect(() => wilsonInterval(1, 2, 0)).toThrow(/^z: /);
    expect(() => wilsonInterval(1, 2, Infinity)).toThrow(/^z: .*got Infinity/);
  });
});
