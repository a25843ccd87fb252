import { describe, expect, it } from 'vitest';
import { groupAdvantages, groupStats } from '../../../src/grpo/index.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';

/** The textbook formula as a plain loop: sample (n − 1) std, as torch.std / verl / TRL. */
function reference(rewards: number[], epsilon: number, scaleByStd: boolean): number[] {
  const n = rewards.length;
  let mean = 0;
  for (const r of rewards) mean += r / n;
  let variance = 0;
  for (const r of rewards) variance += (r - mean) ** 2 / (n - 1);
  const std = Math.sqrt(variance);
  return rewards.map((r) => (scaleByStd ? (r - mean) / (std + epsilon) : r - mean));
}

describe('advantages', () => {
  it('advantages - match a plain reference loop on random groups (sample std)', () => {
    const rng = mulberry32(7);
    for (let g = 0; g < 50; g++) {
      const n = 2 + Math.floor(rng() * 15);
      const binary = g % 2 === 0;
      const rewards = Array.from({ length: n }, () => (binary ? (rng() < 0.3 ? 1 : 0) : rng() * 4 - 2));
      if (rewards.every((r) => r === rewards[0])) rewards[0] = 1 - rewards[0]!;
      const got = Array.from(groupAdvantages(rewards, { epsilon: 1e-6 }));
      const want = reference(rewards, 1e-6, true);
      got.forEach((a, i) => expect(a).toBeCloseTo(want[i]!, 10));
    }
  });

  it('advantages - one correct of four is 1.5 / −0.5 (mean 0.25, sample std 0.5)', () => {
    const a = groupAdvantages([1, 0, 0, 0], { epsilon: 0 });
    expect(Array.from(a)).toEqual([1.5, -0.5, -0.5, -0.5]);
    expect(groupStats([1, 0, 0, 0])).toEqual({ mean: 0.25, std: 0.5, zeroVariance: false });
  });

  it('advantages - an all-equal group and a group of one give exact zeros', () => {
    for (const rewards of [[1, 1, 1, 1], [0, 0], [0.1, 0.1, 0.1], [3]]) {
      expect(Array.from(groupAdvantages(rewards))).toEqual(rewards.map(() => 0));
      const s = groupStats(rewards);
      expect(s).toEqual({ mean: rewards[0], std: 0, zeroVariance: true });
    }
  });

  it('advantages - scaleByStd false is r − mean (Dr.GRPO)', () => {
    const rewards = [1, 0, 0, 1, 1];
    const got = Array.from(groupAdvantages(rewards, { scaleByStd: false }));
    reference(rewards, 0, false).forEach((want, i) => expect(got[i]).toBeCloseTo(want, 12));
    expect(got[0]).toBeCloseTo(0.4, 12);
  });

  it('advantages - epsilon bounds the scale of a nearly uniform group', () => {
    const a = groupAdvantages([1, 1 + 1e-9], { epsilon: 1 });
    expect(Math.abs(a[0]!)).toBeLessThan(1e-8);
  });

  it('advantages - reject an empty group, a non-finite reward and a negative epsilon, naming them', () => {
    expect(() => groupStats([])).toThrow(/^rewards: expected at least one reward/);
    expect(() => groupAdvantages([1, NaN])).toThrow(/^rewards\[1\]: expected a finite number/);
    expect(() => groupAdvantages([1, 0], { epsilon: -1 })).toThrow(/^epsilon: /);
  });
});
