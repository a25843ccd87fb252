import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/tasks/rng.ts';
import { DEFAULT_AIM, drawEntries, drawSlots, drawUniform, type DrawAim } from '../../../src/pool/draw.ts';
import { driftedOutOfBand, foldObservation, RECENT_TRIALS, type PoolEntry } from '../../../src/pool/entry.ts';

const entry = (over: Partial<PoolEntry> = {}): PoolEntry => ({
  questionId: 'q', split: 'easy', prompt: '1+2+3=', answer: '6', prefix: [3], prefixText: '0', fraction: 0.3,
  sourceFailure: '0', selection: { successes: 16, trials: 32 }, pHat: 0.5, low: 0.3, high: 0.7, observations: 32, recent: [{ successes: 16, trials: 32, policyVersion: 0 }],
  policyVersion: 0, generation: 0, createdAt: 0, updatedAt: 0, ...over,
});

describe('pool entry', () => {
  it('pool entry - folding a group updates p̂ from recent trials only', () => {
    let e = entry();
    e = foldObservation(e, { successes: 16, trials: 16, policyVersion: 3 }, 5);
    expect(e.pHat).toBeCloseTo(32 / 48);
    expect(e.observations).toBe(48);
    expect(e.policyVersion).toBe(3);
    expect(e.updatedAt).toBe(5);
    for (let i = 0; i < 10; i++) e = foldObservation(e, { successes: 16, trials: 16, policyVersion: 4 }, 6);
    // The old 16/32 sweep has aged out of the window: p̂ is the policy's current 1.0.
    expect(e.recent.reduce((a, r) => a + r.trials, 0)).toBeLessThanOrEqual(RECENT_TRIALS);
    expect(e.pHat).toBe(1);
    expect(e.observations).toBe(48 + 160);
  });

  it('pool entry - drift needs the whole interval outside the band and enough trials', () => {
    let e = entry();
    expect(driftedOutOfBand(e, [0.25, 0.75], 32)).toBe(false);
    e = foldObservation(entry({ recent: [] }), { successes: 31, trials: 32, policyVersion: 1 }, 0);
    expect(driftedOutOfBand(e, [0.25, 0.75], 32)).toBe(true);
    expect(driftedOutOfBand(e, [0.25, 0.75], 64)).toBe(false);
    // 27/32 = 0.84: outside the band at z = 1 (low 0.77), not yet at z = 1.96 (low 0.68)
    const learnt = foldObservation(entry({ recent: [] }), { successes: 27, trials: 32, policyVersion: 1 }, 0);
    expect(driftedOutOfBand(learnt, [0.25, 0.75], 32, 1)).toBe(true);
    expect(driftedOutOfBand(learnt, [0.25, 0.75], 32)).toBe(false);
  });

  it('pool entry - draws favour informative entries and never repeat', () => {
    const entries = [entry({ questionId: 'a', pHat: 0.5 }), entry({ questionId: 'b', pHat: 0.99 }), entry({ questionId: 'c', pHat: 0.45 })];
    const rng = mulberry32(1);
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) counts[drawEntries(entries, 1, rng)[0]!.questionId]! += 1;
    expect(counts.a!).toBeGreaterThan(counts.b! * 4);
    const two = drawEntries(entries, 5, rng);
    expect(new Set(two.map((e) => e.questionId)).size).toBe(3);
  });

  it('pool entry - slots go to in-band entries (repeated if need be) while there are any', () => {
    const pool = [entry({ questionId: 'in', pHat: 0.5 }), entry({ questionId: 'high', pHat: 0.9 }), entry({ questionId: 'low', pHat: 0.1 })];
    expect(drawSlots(pool, 4, mulberry32(5)).map((e) => e.questionId)).toEqual(['in', 'in', 'in', 'in']);
    const learntPast = pool.slice(1);
    expect(new Set(drawSlots(learntPast, 4, mulberry32(5)).map((e) => e.questionId))).toEqual(new Set(['high', 'low']));
    expect(drawSlots([], 4, mulberry32(5))).toEqual([]);
  });

  it('pool entry - inside the band, draws prefer entries predicted near τ, after the lag', () => {
    const entries = [entry({ questionId: 'near', pHat: 0.5 }), entry({ questionId: 'edge', pHat: 0.68 })];
    const share = (aim: Partial<DrawAim>) => {
      const rng = mulberry32(4);
      let near = 0;
      for (let i = 0; i < 2000; i++) if (drawEntries(entries, 1, rng, { ...DEFAULT_AIM, ...aim })[0]!.questionId === 'near') near++;
      return near / 2000;
    };
    // weights 1.02 and 0.22 (p(1 − p) would give 0.25 and 0.22)
    expect(share({})).toBeGreaterThan(0.75);
    // With a lag of −0.18 the prefix at 0.68 is the one expected at τ.
    expect(share({ shift: -0.18 })).toBeLessThan(0.25);
  });

  it('pool entry - slots go only to entries worth a group: a prefix at τ is repeated before one at the band edge is drawn', () => {
    const pool = [entry({ questionId: 'tau', pHat: 0.5 }), entry({ questionId: 'edge', pHat: 0.72 })];
    expect(drawSlots(pool, 4, mulberry32(6)).map((e) => e.questionId)).toEqual(['tau', 'tau', 'tau', 'tau']);
    // Near τ alike: every one drawn once before any twice.
    const near = [0.45, 0.5, 0.55].map((pHat, i) => entry({ questionId: `n${i}`, pHat }));
    expect(new Set(drawSlots(near.concat(pool), 4, mulberry32(6)).slice(0, 4).map((e) => e.questionId)).size).toBe(4);
    // With nothing near τ, the best of what there is sets the bar: both are drawn.
    const far = [entry({ questionId: 'x', pHat: 0.3 }), entry({ questionId: 'y', pHat: 0.72 })];
    expect(new Set(drawSlots(far, 4, mulberry32(6)).map((e) => e.questionId))).toEqual(new Set(['x', 'y']));
  });

  it('pool entry - a uniform draw takes every entry once before any twice', () => {
    const drawn = drawUniform(['a', 'b', 'c'], 7, mulberry32(2));
    expect(new Set(drawn.slice(0, 3)).size).toBe(3);
    expect(new Set(drawn.slice(3, 6)).size).toBe(3);
    expect(drawn).toHaveLength(7);
    expect(drawUniform([], 3, mulberry32(2))).toEqual([]);
  });

  it('pool entry - an entry just outside the τ band is drawn far less than one just inside', () => {
    const entries = [entry({ questionId: 'in', pHat: 0.7 }), entry({ questionId: 'out', pHat: 0.8 })];
    const rng = mulberry32(3);
    const counts = { in: 0, out: 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) counts[drawEntries(entries, 1, rng)[0]!.questionId]! += 1;
    // weights 0.135 + 0.02 against 0.02: ~8x; p̂(1 − p̂) alone would give 1.3x
    expect(counts.in!).toBeGreaterThan(counts.out! * 6);
    expect(counts.out!).toBeGreaterThan(0);
  });
});
