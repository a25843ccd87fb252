import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { varianceRecords, type StepGroups } from '../../../streams/variance.ts';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('stream operators', () => {
  it('variance - per-step std, informative share and a moving window', () => {
    const steps: Record<string, StepGroups> = {
      a: { step: 1, groups: [{ groupId: 'g1', source: 'prefix', rewards: [1, 0, 1, 0] }, { groupId: 'g2', source: 'prefix', rewards: [1, 1, 1, 1] }] },
      b: { step: 2, groups: [{ groupId: 'g3', source: 'prefix', rewards: [1, 1, 1, 1] }] },
      c: { step: 3, groups: [{ groupId: 'g4', source: 'prefix', rewards: [0, 0, 0, 1] }] },
    };
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('a-b-c|', steps).pipe(varianceRecords(2));
      const pick = (step: number, meanRewardStd: number, informativeShare: number, windowMeanRewardStd: number) => expect.objectContaining({ step, meanRewardStd, informativeShare, windowMeanRewardStd });
      expectObservable(out).toBe('a-b-c|', {
        a: pick(1, 0.25, 0.5, 0.25),
        b: pick(2, 0, 0, 0.125),
        c: pick(3, Math.sqrt(3 / 16), 1, Math.sqrt(3 / 16) / 2),
      });
    });
  });

  it('variance - prefix and original groups also get figures of their own', () => {
    const step: StepGroups = {
      step: 1,
      groups: [
        { groupId: 'p1', source: 'prefix', rewards: [1, 0, 1, 0] },
        { groupId: 'p2', source: 'prefix', rewards: [1, 1, 0, 1] },
        { groupId: 'o1', source: 'original', rewards: [1, 1, 1, 1] },
      ],
    };
    const prefixOnly: StepGroups = { step: 2, groups: [{ groupId: 'p3', source: 'prefix', rewards: [0, 1] }] };
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab|', { a: step, b: prefixOnly }).pipe(varianceRecords(4))).toBe('ab|', {
        a: expect.objectContaining({
          meanRewardStd: (0.5 + Math.sqrt(3 / 16)) / 3,
          prefixMeanRewardStd: (0.5 + Math.sqrt(3 / 16)) / 2,
          prefixInformativeShare: 1,
          originalMeanRewardStd: 0,
          originalInformativeShare: 0,
        }),
        b: expect.objectContaining({ prefixMeanRewardStd: 0.5, originalMeanRewardStd: NaN, originalInformativeShare: NaN }),
      });
    });
  });
});
