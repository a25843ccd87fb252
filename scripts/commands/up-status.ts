import type { MetricsRecord } from '../../src/protocol/messages.ts';
import { refreshCause, type RunCollector } from '../../src/run/summary.ts';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x * 100)}%`);
const num = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

const count = (n: number) => (n < 10_000 ? String(n) : n < 10_000_000 ? `${Math.round(n / 1000)}k` : `${(n / 1e6).toFixed(1)}M`);

/** `75s` → `1m15s`, `3725s` → `1h02m`: elapsed times and ETAs in a status line. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One line of live progress (`saturn up` on stderr, `saturn monitor` on stdout), about 120
 * characters at most so a terminal does not wrap it: elapsed time, step (of `maxSteps` when
 * known) and `eta` when given, the pool, the latest step's reward std of prefix and original
 * groups, the learner's mean reward, refreshes and rollouts generated (sequences, as the summary's tally counts them; dead letters when any).
 */
export function statusLine(c: RunCollector, maxSteps: number | undefined, seconds: number, eta?: string): string {
  const pool = c.latest.get('pool') ?? {};
  const v = c.latest.get('variance') ?? {};
  const learner = c.latest.get('learner') ?? {};
  const dead = c.counter('deadLettered');
  return [
    `[${duration(seconds)}] step ${c.lastStep}${maxSteps === undefined ? '' : `/${maxSteps}`}${eta ? ` ETA ${eta}` : ''}`,
    `pool ${pool.size ?? 0} p̂ ${num(pool.meanPHat)} band ${pct(pool.inBandShare)}`,
    `std pre ${num(v.prefixMeanRewardStd)} orig ${num(v.originalMeanRewardStd)}`,
    `reward ${num(learner.rewardMean)}`,
    `refreshes ${c.refreshes.length}`,
    `rollouts ${count(c.counter('samples', 'rollout'))}${dead ? ` dead ${count(dead)}` : ''}`,
  ].join(' | ');
}

/**
 * How long a run has left, from the pace of its steps so far (the first step is not counted: it
 * waits for the pool to fill) plus `tail` seconds of work after the last step (the final
 * evaluation, measured by the first one). Undefined until two steps have been seen.
 */
export class StepEta {
  #first: { step: number; at: number } | undefined;

  constructor(readonly maxSteps: number, public tail = 0) {}

  /** Time left like `3m10s`, given the latest step and the time now (seconds). */
  left(step: number, now: number): string | undefined {
    if (step < 1) return undefined;
    this.#first ??= { step, at: now };
    const done = step - this.#first.step;
    if (done < 1) return undefined;
    const perStep = (now - this.#first.at) / done;
    return duration(perStep * Math.max(0, this.maxSteps - step) + this.tail);
  }
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
    `[${duration(seconds)}] refresh ${cause} at step ${r.step}: ${questions ?? '?'} questions`,
    // The controller records -1 when the selector did not answer its refresh request.
    reprobed === undefined ? '' : reprobed < 0 ? ', no answer from the selector' : `, ${reprobed} re-probed`,
    detail.length ? ` (${detail.join(', ')})` : '',
  ].join('');
}
