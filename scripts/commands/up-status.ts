import type { RunCollector } from '../../src/run/summary.ts';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x * 100)}%`);
const num = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** One line of live progress for `saturn up`. */
export function statusLine(c: RunCollector, maxSteps: number, seconds: number): string {
  const pool = c.latest.get('pool') ?? {};
  const v = c.latest.get('variance') ?? {};
  const learner = c.latest.get('learner') ?? {};
  const prefix = c.family('prefix');
  const original = c.family('original');
  return [
    `[${Math.round(seconds)}s] step ${c.lastStep}/${maxSteps}`,
    `pool ${pool.size ?? 0} (p̂ ${num(pool.meanPHat)}, in band ${pct(pool.inBandShare)})`,
    `prefix groups: std ${num(v.meanRewardStd)} window ${num(v.windowMeanRewardStd)} informative ${pct(prefix.informativeShare)}`,
    `originals: std ${num(original.meanRewardStd)} informative ${pct(original.informativeShare)}`,
    `reward ${num(learner.rewardMean)} kl ${num(learner.approxKl, 4)}`,
    `refreshes ${c.refreshes.length}`,
    `rollouts ${c.counter('handled', 'rollout')} dead ${c.counter('deadLettered')}`,
  ].join(' | ');
}
