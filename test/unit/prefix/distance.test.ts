import { describe, expect, it } from 'vitest';
import { distanceBounds } from '../../../src/prefix/index.ts';

describe('distance', () => {
  it('distance - an interval containing τ has lower bound 0', () => {
    const b = distanceBounds({ low: 0.3, high: 0.6 }, 0.5);
    expect(b.lower).toBe(0);
    expect(b.upper).toBeCloseTo(0.2, 12);
  });

  it('distance - an interval above τ is bounded by its two ends', () => {
    const b = distanceBounds({ low: 0.8, high: 1 }, 0.5);
    expect(b.lower).toBeCloseTo(0.3, 12);
    expect(b.upper).toBe(0.5);
  });

  it('distance - an interval below τ is bounded by its two ends', () => {
    const b = distanceBounds({ low: 0, high: 0.1 }, 0.25);
    expect(b.lower).toBeCloseTo(0.15, 12);
    expect(b.upper).toBe(0.25);
  });

  it('distance - the whole unit interval is bounded by max(τ, 1 − τ)', () => {
    expect(distanceBounds({ low: 0, high: 1 }, 0.3)).toEqual({ lower: 0, upper: 0.7 });
  });

  it('distance - validates τ and the interval', () => {
    expect(() => distanceBounds({ low: 0, high: 1 }, 1)).toThrow(/^tau: /);
    expect(() => distanceBounds({ low: 0.6, high: 0.4 }, 0.5)).toThrow(/^interval\.high: /);
    expect(() => distanceBounds({ low: -0.1, high: 0.4 }, 0.5)).toThrow(/^interval\.low: /);
  });
});
