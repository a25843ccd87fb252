import { describe, expect, it } from 'vitest';
import { foldObservation, type PoolEntry } from '../../../src/pool/entry.ts';
import { driftDecision, INITIAL_CONTROLLER_STATE, onStepSignal, refreshConfig, refreshSignal } from '../../../src/refresh/policy.ts';

describe('refresh policy', () => {
  const c = refreshConfig({ windowSteps: 3, minMeanRewardStd: 0.3, minInformativeShare: 0.5, cooldownSteps: 2 });

  it('refresh policy - fires after windowSteps low steps, then cools down', () => {
    let state = INITIAL_CONTROLLER_STATE;
    const fired: number[] = [];
    const stds = [0.45, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    stds.forEach((std, step) => {
      const r = onStepSignal(state, { step, meanRewardStd: std, informativeShare: 0.9 }, c);
      state = r.state;
      if (r.decision) {
        expect(r.decision.cause).toBe('low-reward-std');
        fired.push(step);
      }
    });
    expect(fired).toEqual([3, 6, 9]);
  });

  it('refresh policy - a good step resets the streak', () => {
    let state = INITIAL_CONTROLLER_STATE;
    for (const [step, share] of [[0, 0.1], [1, 0.1], [2, 0.9], [3, 0.1], [4, 0.1]] as const) {
      const r = onStepSignal(state, { step, meanRewardStd: 0.45, informativeShare: share }, c);
      state = r.state;
      expect(r.decision).toBeUndefined();
    }
    expect(onStepSignal(state, { step: 5, meanRewardStd: 0.45, informativeShare: 0.1 }, c).decision?.cause).toBe('low-informative-share');
  });

  it('refresh policy - the signal is the prefix groups, all groups only when a step had none', () => {
    const mixed = { meanRewardStd: 0.3, informativeShare: 0.7, prefixMeanRewardStd: 0.42, prefixInformativeShare: 0.9 };
    expect(refreshSignal({ step: 4, values: mixed })).toEqual({ step: 4, meanRewardStd: 0.42, informativeShare: 0.9 });
    const originalsOnly = { meanRewardStd: 0.05, informativeShare: 0.2, prefixMeanRewardStd: NaN, prefixInformativeShare: NaN };
    expect(refreshSignal({ step: 5, values: originalsOnly })).toEqual({ step: 5, meanRewardStd: 0.05, informativeShare: 0.2 });
  });

  it('refresh policy - drift names only entries whose interval left the band', () => {
    const base: PoolEntry = { questionId: 'a', split: 'easy', prompt: '', answer: '', prefix: [], prefixText: '', fraction: 0.5, sourceFailure: '', selection: { successes: 16, trials: 32 }, pHat: 0.5, low: 0, high: 1, observations: 0, recent: [], policyVersion: 0, generation: 0, createdAt: 0, updatedAt: 0 };
    const drifted = foldObservation(base, { successes: 32, trials: 32, policyVersion: 1 }, 0);
    const fine = foldObservation({ ...base, questionId: 'b' }, { successes: 15, trials: 32, policyVersion: 1 }, 0);
    expect(driftDecision([drifted, fine], 7, refreshConfig(), new Set())?.questionIds).toEqual(['a']);
    expect(driftDecision([drifted, fine], 7, refreshConfig(), new Set(['a']))).toBeUndefined();
  });

  it('refresh policy - bad config names the field', () => {
    expect(() => refreshConfig({ windowSteps: 0 })).toThrow(/refresh.windowSteps/);
    expect(() => refreshConfig({ band: [0.8, 0.2] })).toThrow(/refresh.band/);
  });
});
