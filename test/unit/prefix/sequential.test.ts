import { describe, expect, it } from 'vitest';
import {
  PrefixArgumentError,
  createSweep,
  isDone,
  markRequested,
  nextRequests,
  recordResults,
  runSweep,
  sweepRollouts,
  sweepSelection,
  type SweepState,
} from '../../../src/prefix/index.ts';

const nine = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((length) => ({ fraction: length / 100, length }));
const two = nine.slice(2, 4); // lengths 30 and 40

describe('sequential', () => {
  it('sweep - starts with every candidate active, untried, and defaults filled in', () => {
    const s = createSweep({ candidates: nine });
    expect(s.config).toMatchObject({ tau: 0.5, maxTrials: 32, batch: 8, z: 1.96, sequential: true });
    expect(s.candidates.map((c) => [c.index, c.status, c.trials, c.inFlight])).toEqual(
      nine.map((_, i) => [i, 'active', 0, 0]),
    );
    expect(isDone(s)).toBe(false);
    expect(sweepSelection(s)).toBeUndefined();
  });

  it('sweep - asks for one batch per active candidate, and asking is pure', () => {
    const s = createSweep({ candidates: two });
    const before = structuredClone(s);
    expect(nextRequests(s)).toEqual([
      { index: 0, samples: 8 },
      { index: 1, samples: 8 },
    ]);
    expect(nextRequests(s)).toEqual(nextRequests(s));
    expect(s).toEqual(before);
  });

  it('sweep - the last batch is cut so no candidate exceeds maxTrials', () => {
    let s = createSweep({ candidates: two.slice(0, 1), maxTrials: 20, batch: 8, sequential: false });
    const sizes: number[] = [];
    while (!isDone(s)) {
      const [r] = nextRequests(s);
      sizes.push(r.samples);
      s = recordResults(s, r.index, 0, r.samples);
    }
    expect(sizes).toEqual([8, 8, 4]);
    expect(s.candidates[0]).toMatchObject({ trials: 20, status: 'complete' });
    expect(nextRequests(s)).toEqual([]);
  });

  it('sweep - recording returns a new state and leaves the old one untouched', () => {
    const s = createSweep({ candidates: two });
    const before = structuredClone(s);
    const t = recordResults(s, 1, 3, 8);
    expect(s).toEqual(before);
    expect(t.candidates[1]).toMatchObject({ successes: 3, trials: 8 });
    expect(t.candidates[0]).toBe(s.candidates[0]);
  });

  it('sweep - a candidate whose interval lies beyond the best one’s is ruled out', () => {
    let s = createSweep({ candidates: two });
    // 16/16 → Wilson [0.806, 1]: at least 0.306 from τ. The untried candidate could be anywhere
    // in [0, 1], at most 0.5 from τ, so nothing is decided yet.
    s = recordResults(s, 0, 8, 8);
    s = recordResults(s, 0, 8, 8);
    expect(s.candidates[0].status).toBe('active');
    // 8/16 → [0.280, 0.720]: at most 0.220 from τ < 0.306, so candidate 0 cannot win.
    s = recordResults(s, 1, 8, 16);
    expect(s.candidates.map((c) => c.status)).toEqual(['ruledOut', 'active']);
    expect(nextRequests(s)).toEqual([{ index: 1, samples: 8 }]);
    expect(sweepSelection(s)?.index).toBe(1);
  });

  it('sweep - overlapping distance bounds keep both candidates running', () => {
    let s = createSweep({ candidates: two });
    // 8/8 → [0.676, 1], at least 0.176 from τ; 4/8 → [0.215, 0.785], at most 0.285 from τ.
    s = recordResults(s, 0, 8, 8);
    s = recordResults(s, 1, 4, 8);
    expect(s.candidates.map((c) => c.status)).toEqual(['active', 'active']);
  });

  it('sweep - the best candidate is never ruled out, even when all look alike', () => {
    let s = createSweep({ candidates: nine });
    for (const c of s.candidates) s = recordResults(s, c.index, 32, 32);
    expect(s.candidates.every((c) => c.status === 'complete')).toBe(true);
    expect(sweepSelection(s)?.index).toBe(0); // all tied: the shortest prefix
  });

  it('sweep - the fixed mode never rules out and spends maxTrials on every candidate', () => {
    const s = runSweep(createSweep({ candidates: nine, sequential: false }), ({ index, samples }) =>
      index < 4 ? samples : 0,
    );
    expect(s.candidates.every((c) => c.status === 'complete' && c.trials === 32)).toBe(true);
    expect(sweepRollouts(s)).toBe(9 * 32);
    // p̂ is 1 or 0 everywhere: all tied at 0.5 from τ, so the shortest prefix is chosen.
    expect(sweepSelection(s)?.index).toBe(0);
  });

  it('sweep - the sequential mode stops hopeless candidates early and still picks the middle', () => {
    // Conditioned accuracy 1 before the middle, 0 after, 1/2 at it: only the middle is informative.
    const oracle = ({ index, samples }: { index: number; samples: number }) =>
      index < 4 ? samples : index > 4 ? 0 : Math.floor(samples / 2);
    const s = runSweep(createSweep({ candidates: nine }), oracle);
    expect(isDone(s)).toBe(true);
    expect(sweepSelection(s)?.index).toBe(4);
    expect(s.candidates[4]).toMatchObject({ status: 'complete', trials: 32 });
    expect(s.candidates.filter((c) => c.status === 'ruledOut')).toHaveLength(8);
    expect(sweepRollouts(s)).toBeLessThan(9 * 32);
  });

  it('sweep - results for a stopped candidate are counted but do not restart it', () => {
    let s = createSweep({ candidates: two });
    s = recordResults(s, 0, 16, 16);
    s = recordResults(s, 1, 8, 16);
    expect(s.candidates[0].status).toBe('ruledOut');
    s = recordResults(s, 0, 8, 8);
    expect(s.candidates[0]).toMatchObject({ status: 'ruledOut', trials: 24, successes: 24 });
  });

  it('sweep - a ruled-out candidate is not selected even if late answers move its p̂ to τ', () => {
    let s = createSweep({ candidates: two });
    s = recordResults(s, 0, 16, 16);
    s = recordResults(s, 1, 8, 16);
    s = recordResults(s, 0, 0, 16); // now 16/32 = τ exactly, and the shorter prefix
    expect(s.candidates[0].status).toBe('ruledOut');
    expect(sweepSelection(s)?.index).toBe(1);
  });

  it('sweep - batches marked in flight are not asked for again until answered', () => {
    let s = createSweep({ candidates: two, maxTrials: 8 });
    s = markRequested(s, nextRequests(s));
    expect(nextRequests(s)).toEqual([]);
    expect(s.candidates.map((c) => c.inFlight)).toEqual([1, 1]);
    // A batch that lost 3 of its 8 rollouts settles the request; the shortfall is asked again.
    s = recordResults(s, 0, 2, 5);
    expect(nextRequests(s)).toEqual([{ index: 0, samples: 3 }]);
    // An answer with no rollouts at all just settles the request.
    s = recordResults(s, 1, 0, 0);
    expect(s.candidates[1]).toMatchObject({ inFlight: 0, trials: 0 });
    expect(nextRequests(s)).toEqual([
      { index: 0, samples: 3 },
      { index: 1, samples: 8 },
    ]);
  });

  it('sweep - no candidates means done at once, with no selection', () => {
    const s = createSweep({ candidates: [] });
    expect(isDone(s)).toBe(true);
    expect(nextRequests(s)).toEqual([]);
    expect(sweepSelection(s)).toBeUndefined();
    expect(sweepRollouts(runSweep(s, () => 0))).toBe(0);
  });

  it('sweep - the driver refuses a sweep whose every batch is in flight', () => {
    const s = createSweep({ candidates: two });
    expect(() => runSweep(markRequested(s, nextRequests(s)), () => 0)).toThrow(PrefixArgumentError);
  });

  it('sweep - with a band, a sweep whose every prefix is confidently out of band stops after one batch each', () => {
    // A cliff: the policy recovers from every cut up to the error and from none after it.
    const truth = [8, 8, 8, 8, 0, 0, 0, 0, 0];
    const banded = runSweep(createSweep({ candidates: nine, z: 1, band: [0.25, 0.75] }), ({ index, samples }) => Math.min(samples, truth[index]!));
    expect(isDone(banded)).toBe(true);
    expect(sweepRollouts(banded)).toBe(9 * 8);
    expect(sweepSelection(banded)!.successes / sweepSelection(banded)!.trials).toBe(1); // out of band: the caller rejects it
    const unbanded = runSweep(createSweep({ candidates: nine, z: 1 }), ({ index, samples }) => Math.min(samples, truth[index]!));
    expect(sweepRollouts(unbanded)).toBeGreaterThan(9 * 8);
  });

  it('sweep - with a band, the choice is the prefix closest to τ among those in band', () => {
    // For τ = 0.2, 1/8 = 0.125 is nearer than 4/8 but out of band: with the band, 4/8 wins.
    const run = (tau: number, band?: readonly [number, number]) =>
      sweepSelection(runSweep(createSweep({ candidates: two, tau, maxTrials: 8, band }), ({ index }) => [4, 1][index]!));
    expect(run(0.2)!.index).toBe(1);
    expect(run(0.2, [0.25, 0.75])!.index).toBe(0);
  });

  it('sweep - options are validated by field', () => {
    const bad: [object, RegExp][] = [
      [{ tau: 1 }, /^tau: /],
      [{ maxTrials: 0 }, /^maxTrials: /],
      [{ batch: 2.5 }, /^batch: /],
      [{ z: -1 }, /^z: /],
      [{ sequential: 'yes' }, /^sequential: /],
      [{ band: [0.75, 0.25] }, /^band\[1\]: /],
      [{ band: [0.25] }, /^band: /],
      [{ candidates: [{ fraction: 0.1, length: 3 }, { fraction: 1.5, length: 4 }] }, /^candidates\[1\]\.fraction: /],
      [{ candidates: [{ fraction: 0.1, length: 0 }] }, /^candidates\[0\]\.length: /],
      [{ candidates: undefined }, /^candidates: /],
    ];
    for (const [patch, message] of bad) {
      expect(() => createSweep({ candidates: two, ...patch } as never)).toThrow(message);
    }
  });

  it('sweep - recorded results and requests are validated', () => {
    const s: SweepState = createSweep({ candidates: two });
    expect(() => recordResults(s, 2, 0, 8)).toThrow(/^index: expected an integer in \[0, 1\], got 2/);
    expect(() => recordResults(s, 0, 9, 8)).toThrow(/^successes: /);
    expect(() => recordResults(s, 0, 0, -8)).toThrow(/^trials: /);
    expect(() => markRequested(s, [{ index: 5, samples: 8 }])).toThrow(/^requests\[0\]\.index: /);
    expect(() => markRequested(s, [{ index: 0, samples: 0 }])).toThrow(/^requests\[0\]\.samples: /);
  });
});
