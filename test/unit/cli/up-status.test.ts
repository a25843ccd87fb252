import { describe, expect, it } from 'vitest';
import { envelope } from '../../../src/protocol/index.ts';
import { RunCollector } from '../../../src/run/summary.ts';
import { duration, StepEta, statusLine } from '../../../scripts/commands/up-status.ts';

describe('up status', () => {
  it('status line - about 120 characters at most, even with large figures', () => {
    const c = new RunCollector();
    const add = (name: string, step: number, values: Record<string, number>) => c.add({ ...envelope('metrics.record'), name, step, values });
    add('pool', 0, { size: 1024, meanPHat: 0.61234, inBandShare: 0.987 });
    add('variance', 12345, { prefixMeanRewardStd: 0.4123, originalMeanRewardStd: 0.0999 });
    add('learner', 12345, { rewardMean: 0.7777, approxKl: 0.00123 });
    add('groups.prefix', 1, { std: 0.45, informative: 1, mean: 0.5 });
    add('groups.original', 1, { std: 0.1, informative: 0, mean: 0.9 });
    add('actor.rollout', 1, { handled: 12, samples: 12_345_678, deadLettered: 12345, actorPid: 1 });
    for (let i = 0; i < 123; i++) add('refresh.drift', i, { questions: 1 });
    const line = statusLine(c, 99999, 99 * 3600, '12h34m');
    expect(line).toBe('[99h00m] step 12345/99999 ETA 12h34m | pool 1024 p̂ 0.61 band 99% | std pre 0.41 orig 0.10 | reward 0.78 | refreshes 123 | rollouts 12.3M dead 12k');
    // A typical line of a default run: about 120.
    const typical = new RunCollector();
    typical.add({ ...envelope('metrics.record'), name: 'pool', step: 0, values: { size: 16, meanPHat: 0.6, inBandShare: 0.75 } });
    typical.add({ ...envelope('metrics.record'), name: 'variance', step: 17, values: { prefixMeanRewardStd: 0.4, originalMeanRewardStd: 0.1 } });
    typical.add({ ...envelope('metrics.record'), name: 'learner', step: 17, values: { rewardMean: 0.7 } });
    typical.add({ ...envelope('metrics.record'), name: 'actor.rollout', step: 0, values: { handled: 2_160, samples: 34_567, actorPid: 1 } });
    expect(statusLine(typical, 30, 725, '3m10s').length).toBeLessThanOrEqual(125);
  });

  it('duration and ETA - elapsed words; the ETA is the pace after the first step plus the final evaluation', () => {
    expect([duration(5), duration(75), duration(3725)]).toEqual(['5s', '1m15s', '1h02m']);
    const eta = new StepEta(10, 30);
    expect(eta.left(0, 50)).toBeUndefined();
    expect(eta.left(1, 60)).toBeUndefined(); // the first step waits for the pool: not a pace
    expect(eta.left(3, 80)).toBe('1m40s'); // 10 s a step, 7 steps left, + 30 s of evaluation
  });
});
