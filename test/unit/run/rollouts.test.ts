import { describe, expect, it } from 'vitest';
import { RolloutTally } from '../../../src/run/rollouts.ts';

const result = (requestId: string, kind: string, n: number) => ({ requestId, kind, samples: new Array(n).fill(0) });

describe('rollout tally', () => {
  it('rollout tally - counts samples per kind once per request id, and the trained share', () => {
    const t = new RolloutTally();
    t.add(result('probe:a', 'probe', 32));
    t.add(result('probe:a', 'probe', 32)); // a redelivered result: the same rollouts
    t.add(result('sweep:a:c4', 'sweep', 8));
    t.add(result('train:s1:0', 'train', 16));
    t.add(result('x', 'eval', 4));
    expect(t.counts(16)).toEqual({ probe: 32, sweep: 8, train: 16, other: 4, total: 60, trained: 16, trainedShare: 0.2667 });
    expect(t.answered.size).toBe(4);
  });

  it('rollout tally - an empty run has a share of 0, not NaN', () => {
    expect(new RolloutTally().counts(0).trainedShare).toBe(0);
  });
});
