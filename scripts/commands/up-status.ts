import type { MetricsRecord } from '../../src/protocol/messages.ts';
import { refreshCause, type GroupFamily, type RunCollector } from '../../src/run/summary.ts';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x * 100)}%`);
const num = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

const family = (f: GroupFamily) => (f.groups ? `std ${num(f.meanRewardStd)} informative ${pct(f.informativeShare)}` : 'none yet');

/**
 * One line of live progress (`saturn up` on stderr, `saturn monitor` on stdout). `maxSteps` is
 * the learner's step budget when known (`step 7/30`), else the step alone (`step 7`).
 */
export function statusLine(c: RunCollector, maxSteps: number | undefined, seconds: number): string {
  const pool = c.latest.get('pool') ?? {};
  const v = c.latest.get('variance') ?? {};
  const learner = c.latest.get('learner') ?? {};
  const prefix = c.family('prefix');
  const original = c.family('original');
  return [
    `[${Math.round(seconds)}s] step ${c.lastStep}${maxSteps === undefined ? '' : `/${maxSteps}`}`,
    `pool ${pool.size ?? 0} (p̂ ${num(pool.meanPHat)}, in band ${pct(pool.inBandShare)})`,
    `step groups: std ${num(v.meanRewardStd)} window ${num(v.windowMeanRewardStd)}`,
    `prefix groups: ${family(prefix)}`,
    `originals: ${family(original)}`,
    `reward ${num(learner.rewardMean)} kl ${num(learner.approxKl, 4)}`,
    `refreshes ${c.refreshes.length}`,
    `rollouts ${c.counter('handled', 'rollout')} dead ${c.counter('deadLettered')}`,
  ].join(' | ');
}

// Values of a refresh record that refreshLine shows in its own words, or not at all.
const REFRESH_OWN = new Set(['questions', 'reprobed', 'actorPid']);

/**
 * One line for a refresh event (a `refresh.<cause>` record), e.g.
 * `[42s] refresh low-reward-std at step 12: 16 questions, 16 re-probed (meanRewardStd 0.21, …)`;
 * undefined for any other record.
 */
export function refreshLine(r: MetricsRecord, seconds: number): string | undefined {
  const cause = refreshCause(r);
  if (cause === undefined) return undefined;
  const { questions, reprobed } = r.values;
  const detail = Object.entries(r.values)
    .filter(([k]) => !REFRESH_OWN.has(k))
    .map(([k, x]) => `${k} ${Number.isInteger(x) ? x : num(x)}`);
  return [
    `[${Math.round(seconds)}s] refresh ${cause} at step ${r.step}: ${questions ?? '?'} questions`,
    // The controller records -1 when the selector did not answer its refresh request.
    reprobed === undefined ? '' : reprobed < 0 ? ', no answer from the selector' : `, ${reprobed} re-probed`,
    detail.length ? ` (${detail.join(', ')})` : '',
  ].join('');
}
