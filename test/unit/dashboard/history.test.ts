import { describe, expect, it } from 'vitest';
import { History, metricFamily } from '../../../src/dashboard/history.ts';
import { Ring } from '../../../src/dashboard/ring.ts';

/** The reference a ring must match: everything pushed, cut to the last `capacity`. */
const lastN = <T>(items: T[], capacity: number) => items.slice(Math.max(0, items.length - capacity));

describe('dashboard history', () => {
  it('ring - holds the last `capacity` items oldest first, at every fill level', () => {
    for (const capacity of [1, 2, 3, 7]) {
      const ring = new Ring<number>(capacity);
      const pushed: number[] = [];
      for (let i = 0; i < 3 * capacity + 2; i++) {
        ring.push(i);
        pushed.push(i);
        expect(ring.toArray()).toEqual(lastN(pushed, capacity));
        expect(ring.size).toBe(Math.min(pushed.length, capacity));
        expect(ring.dropped).toBe(Math.max(0, pushed.length - capacity));
      }
    }
  });

  it('ring - a capacity that is not a positive integer is refused', () => {
    expect(() => new Ring(0)).toThrow(/capacity: expected an integer ≥ 1, got 0/);
    expect(() => new Ring(2.5)).toThrow(RangeError);
  });

  it('history - families are the name up to the first dot', () => {
    expect(['variance', 'refresh.low-reward-std', 'groups.prefix', 'pool.p_hat'].map(metricFamily)).toEqual(['variance', 'refresh', 'groups', 'pool']);
  });

  it('history - keeps only the listed families, each up to capacity, in arrival order', () => {
    const h = new History<string>(['variance', 'refresh'], 2);
    const names = ['variance', 'groups.prefix', 'refresh.drift', 'variance', 'actor.rollout', 'variance', 'refresh.low-reward-std', 'refresh.drift'];
    const kept = names.map((n, i) => h.add(n, `${n}#${i}`));
    expect(kept).toEqual([true, false, true, true, false, true, true, true]);
    // Per family the last 2 survive: variance #3 #5, refresh #6 #7; interleaved as they came.
    expect(h.toArray()).toEqual(['variance#3', 'variance#5', 'refresh.low-reward-std#6', 'refresh.drift#7']);
    expect(h.size).toBe(4);
  });

  it('history - a chatty family does not push a quiet one out', () => {
    const h = new History<number>(['variance', 'pool'], 10);
    h.add('variance', -1);
    for (let i = 0; i < 1000; i++) h.add('pool', i);
    expect(h.toArray()).toEqual([-1, ...Array.from({ length: 10 }, (_, i) => 990 + i)]);
  });
});
