import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FRACTIONS,
  createSweep,
  cutPrefixes,
  runSweep,
  sweepRollouts,
  sweepSelection,
  type SweepState,
} from '../../../src/prefix/index.ts';
import {
  bernoulliStreams,
  fallingCurve,
  mulberry32,
  streamOracle,
  type Rng,
} from '../../../src/prefix/simulate.ts';

const TAU = 0.5;
const M = 32;
const QUESTIONS = 200;
const candidates = cutPrefixes(Int32Array.from({ length: 100 }, (_, i) => i)).map(
  ({ fraction, length }) => ({ fraction, length }),
);

/** The true |accuracy − τ| of the prefix a sweep chose, and the rollouts it spent. */
interface Run {
  distance: number;
  rollouts: number;
}

/** One sweep over `truth`, reading rollout outcomes from `streams`. */
function sweep(truth: readonly number[], streams: Uint8Array[], sequential: boolean): Run {
  const options = { candidates, tau: TAU, maxTrials: M, sequential };
  const s: SweepState = runSweep(createSweep(options), streamOracle(streams));
  return { distance: Math.abs(truth[sweepSelection(s)!.index] - TAU), rollouts: sweepRollouts(s) };
}

/**
 * Both sweeps on one simulated question. With `shared` they read the same pre-drawn rollouts
 * (isolating the stopping rule); without, each draws its own, and a second fixed sweep on fresh
 * rollouts is run as a yardstick of plain sampling noise.
 */
function simulate(rng: Rng, shared: boolean): { fixed: Run; sequential: Run; replicate: Run } {
  const truth = fallingCurve(rng);
  const streams = bernoulliStreams(truth, M, rng);
  return {
    fixed: sweep(truth, streams, false),
    sequential: sweep(truth, shared ? streams : bernoulliStreams(truth, M, rng), true),
    replicate: sweep(truth, bernoulliStreams(truth, M, rng), false),
  };
}

describe('sequential simulation', () => {
  it('simulation - curves fall from near-saturated to near-zero accuracy', () => {
    const rng = mulberry32(3);
    for (let q = 0; q < QUESTIONS; q++) {
      const curve = fallingCurve(rng);
      expect(curve).toHaveLength(DEFAULT_FRACTIONS.length);
      for (let i = 1; i < curve.length; i++) expect(curve[i]).toBeLessThan(curve[i - 1]);
      expect(curve[0]).toBeLessThanOrEqual(0.99);
      expect(curve[curve.length - 1]).toBeGreaterThanOrEqual(0.02);
    }
  });

  it('simulation - sequential spends fewer rollouts for as good a choice', () => {
    // Both modes read the same rollouts, so any difference in choice is the stopping rule's doing.
    const rng = mulberry32(2026);
    const outcomes = Array.from({ length: QUESTIONS }, () => simulate(rng, true));
    const fixed = outcomes.reduce((sum, o) => sum + o.fixed.rollouts, 0);
    const sequential = outcomes.reduce((sum, o) => sum + o.sequential.rollouts, 0);
    expect(fixed).toBe(QUESTIONS * candidates.length * M);
    expect(sequential).toBeLessThan(fixed);
    for (const o of outcomes) expect(o.sequential.rollouts).toBeLessThanOrEqual(o.fixed.rollouts);

    const close = outcomes.filter((o) => o.sequential.distance <= o.fixed.distance + 0.1).length;
    expect(close / QUESTIONS).toBeGreaterThanOrEqual(0.9);
  });

  it('simulation - with independent rollouts, sequential agrees with fixed as well as fixed agrees with itself', () => {
    // Two fixed sweeps on fresh rollouts already disagree by more than 0.1 on ~8 % of questions
    // (sampling noise of 32 rollouts), so the yardstick is a second, independent fixed sweep.
    const rng = mulberry32(2027);
    const n = 600;
    let sequentialClose = 0;
    let replicateClose = 0;
    for (let q = 0; q < n; q++) {
      const o = simulate(rng, false);
      if (o.sequential.distance <= o.fixed.distance + 0.1) sequentialClose++;
      if (o.replicate.distance <= o.fixed.distance + 0.1) replicateClose++;
    }
    expect(sequentialClose / n).toBeGreaterThanOrEqual(0.85);
    expect(sequentialClose / n).toBeGreaterThanOrEqual(replicateClose / n - 0.05);
  });

  it('simulation - common random numbers make the two modes agree on nearly every question', () => {
    const rng = mulberry32(7);
    const outcomes = Array.from({ length: QUESTIONS }, () => simulate(rng, true));
    const same = outcomes.filter((o) => o.sequential.distance === o.fixed.distance).length;
    expect(same / QUESTIONS).toBeGreaterThanOrEqual(0.95);
  });

  it('simulation - the seeded oracle is reproducible and refuses to run past its stream', () => {
    const draw = () => bernoulliStreams([0.5, 0.9], M, mulberry32(11));
    expect(draw()).toEqual(draw());
    const oracle = streamOracle(draw());
    oracle({ index: 0, samples: M });
    expect(() => oracle({ index: 0, samples: 1 })).toThrow(/^samples: /);
  });
});
