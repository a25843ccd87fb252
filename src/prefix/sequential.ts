/**
 * The prefix sweep as a pure state machine: which prefixes need more rollouts, what came back,
 * and when the choice of prefix is settled.
 *
 * The paper gives every prefix the same m rollouts. Most of them are wasted: a prefix whose
 * policy still succeeds 31 times in 16 is plainly not the one closest to τ = 0.5. The sequential
 * sweep samples in batches and stops a prefix once its Wilson interval shows it cannot beat the
 * current best: formally, once the smallest distance to τ its interval allows exceeds the
 * largest distance the best candidate's interval allows. Survivors go on to m rollouts, so the
 * winner's estimate is as precise as in the fixed sweep.
 *
 * Use: `createSweep`, then repeatedly send a batch of rollouts for each of `nextRequests(state)`
 * and fold each answer in with `recordResults`, until `isDone(state)`; `sweepSelection(state)`
 * is the chosen prefix. Callers that keep several requests in flight call `markRequested` when
 * they send, so the same prefix is not asked for twice before its answer arrives. Every
 * function returns a new state and leaves its input untouched.
 *
 * @example
 * let s = createSweep({ candidates: cutPrefixes(failed), tau: 0.5, maxTrials: 32, batch: 8 });
 * while (!isDone(s)) {
 *   for (const r of nextRequests(s)) {
 *     s = recordResults(s, r.index, countCorrect(await rollouts(r.index, r.samples)), r.samples);
 *   }
 * }
 * const chosen = sweepSelection(s);
 */
import { checkInteger } from './check.ts';
import { distanceBounds } from './distance.ts';
import { inBand, selectPrefix, type PrefixCandidate } from './select.ts';
import { sweepConfig, type SweepConfig, type SweepOptions } from './sweep-config.ts';
import { wilsonInterval } from './wilson.ts';

/**
 * Where a prefix stands in the sweep:
 * - `active`: still to be sampled;
 * - `ruledOut`: stopped early, its interval lies farther from τ than the best candidate's;
 * - `complete`: reached `maxTrials` rollouts.
 */
export type CandidateStatus = 'active' | 'ruledOut' | 'complete';

/** One prefix's tally in a sweep. */
export interface SweepCandidateState extends PrefixCandidate {
  /** Position of the prefix in the sweep's `candidates`. */
  readonly index: number;
  /** Batches marked as requested whose answer has not been recorded yet. */
  readonly inFlight: number;
  readonly status: CandidateStatus;
}

/** The whole sweep: its configuration and one tally per prefix, in the configured order. */
export interface SweepState {
  readonly config: SweepConfig;
  readonly candidates: readonly SweepCandidateState[];
}

/** A batch of rollouts the sweep wants: `samples` continuations of prefix `index`. */
export interface SweepRequest {
  readonly index: number;
  /** min(batch, maxTrials − trials so far): the last batch is cut so no prefix exceeds m. */
  readonly samples: number;
}

/** A sweep with no rollouts yet. Throws `PrefixArgumentError`, naming the field, on bad options. */
export function createSweep(options: SweepOptions): SweepState {
  const config = sweepConfig(options);
  const candidates = config.candidates.map(
    (c, index): SweepCandidateState => ({
      index,
      fraction: c.fraction,
      length: c.length,
      successes: 0,
      trials: 0,
      inFlight: 0,
      status: 'active',
    }),
  );
  return { config, candidates };
}

/**
 * The batches to send now: one per active prefix with nothing in flight, in index order.
 * Pure: asking twice without recording or marking anything gives the same answer.
 */
export function nextRequests(state: SweepState): SweepRequest[] {
  const { batch, maxTrials } = state.config;
  return state.candidates
    .filter((c) => c.status === 'active' && c.inFlight === 0)
    .filter(bisecting(state))
    .map((c) => ({ index: c.index, samples: Math.min(batch, maxTrials - c.trials) }));
}

// A monotone sequential sweep samples tried prefixes as usual but untried ones one at a time, the
// middle of those still possible first: each answer halves what is left to try.
function bisecting(state: SweepState): (c: SweepCandidateState) => boolean {
  if (!state.config.monotone || !state.config.sequential) return () => true;
  const untried = state.candidates.filter((c) => c.status === 'active' && c.trials === 0);
  if (untried.some((c) => c.inFlight > 0)) return (c) => c.trials > 0;
  const middle = untried[Math.floor((untried.length - 1) / 2)]?.index;
  return (c) => c.trials > 0 || c.index === middle;
}

/** Notes that `requests` were sent: `nextRequests` leaves those prefixes alone until answered. */
export function markRequested(state: SweepState, requests: readonly SweepRequest[]): SweepState {
  const added = new Array<number>(state.candidates.length).fill(0);
  requests.forEach((r, i) => {
    checkInteger(`requests[${i}].index`, r.index, 0, state.candidates.length - 1);
    checkInteger(`requests[${i}].samples`, r.samples, 1);
    added[r.index]++;
  });
  return {
    ...state,
    candidates: state.candidates.map((c) =>
      added[c.index] ? { ...c, inFlight: c.inFlight + added[c.index] } : c,
    ),
  };
}

/**
 * Folds in the answer to one batch: `successes` correct out of `trials` scored rollouts from
 * prefix `index`. One call settles one in-flight batch, whatever its size: a batch that lost
 * rollouts is recorded with the trials it has (even 0), and the shortfall is asked for again.
 *
 * Answers for prefixes already stopped are still counted (the rollouts were spent and are
 * evidence), but never restart them.
 */
export function recordResults(
  state: SweepState,
  index: number,
  successes: number,
  trials: number,
): SweepState {
  checkInteger('index', index, 0, state.candidates.length - 1);
  checkInteger('trials', trials, 0);
  checkInteger('successes', successes, 0, trials);
  const { maxTrials } = state.config;
  const tallied = state.candidates.map((c): SweepCandidateState => {
    if (c.index !== index) return c;
    const total = c.trials + trials;
    return {
      ...c,
      successes: c.successes + successes,
      trials: total,
      inFlight: Math.max(0, c.inFlight - 1),
      status: c.status === 'active' && total >= maxTrials ? 'complete' : c.status,
    };
  });
  return {
    ...state,
    candidates: state.config.sequential ? ruleOut(tallied, state.config) : tallied,
  };
}

/** True once every prefix is stopped (ruled out or at `maxTrials`): the selection is final. */
export function isDone(state: SweepState): boolean {
  return state.candidates.every((c) => c.status !== 'active');
}

/**
 * Among the prefixes not ruled out, the one whose p̂ is closest to τ so far (ties to the
 * shorter), as {@link selectPrefix} picks it; undefined before any rollout. Final once
 * {@link isDone}. Ruled-out prefixes stay out even if late answers move their p̂, so the choice
 * is the one the stopping rule made; one with data always remains, since the prefix with the
 * smallest upper bound is never ruled out.
 *
 * With a `band`, the closest among those whose p̂ is in band. When none is (every prefix out of
 * band, or ruled out for it), the closest of all, out of band: the caller rejects it, and its
 * side (above or below) says why.
 */
export function sweepSelection(state: SweepState): SweepCandidateState | undefined {
  const { band, tau } = state.config;
  const contenders = state.candidates.filter((c) => c.status !== 'ruledOut');
  if (!band) return selectPrefix(contenders, tau);
  const usable = contenders.filter((c) => c.trials > 0 && inBand(c.successes / c.trials, band));
  return selectPrefix(usable.length ? usable : state.candidates, tau);
}

/** Rollouts recorded so far over all prefixes: the sweep's cost. */
export function sweepRollouts(state: SweepState): number {
  return state.candidates.reduce((sum, c) => sum + c.trials, 0);
}

// Rules out every active prefix whose closest possible distance to τ exceeds the farthest
// possible distance of the best-bounded prefix. An untried prefix has interval [0, 1], upper
// bound max(τ, 1 − τ), so it neither rules others out nor is ruled out before it is sampled.
// With a band, a prefix whose interval lies outside it is ruled out first, and cannot rule out
// others: a prefix at 0.2 must not stop one at 0.45 because it is nearer a τ of 0.3.
function ruleOut(
  candidates: readonly SweepCandidateState[],
  { tau, z, band, monotone }: SweepConfig,
): SweepCandidateState[] {
  const intervals = candidates.map((c) => wilsonInterval(c.successes, c.trials, z));
  const outOfBand = intervals.map((w) => band !== undefined && (w.high < band[0] || w.low > band[1]));
  const bounds = intervals.map((w) => distanceBounds(w, tau));
  const bestUpper = Math.min(...bounds.filter((_, i) => !outOfBand[i]).map((b) => b.upper));
  const presumedOut = monotone ? monotoneRuledOut(candidates, intervals, tau) : () => false;
  return candidates.map((c, i) =>
    c.status === 'active' && (outOfBand[i] || bounds[i].lower > bestUpper || presumedOut(i)) ? { ...c, status: 'ruledOut' } : c,
  );
}

// Under a non-increasing curve, an untried prefix shorter than one measured above τ is at least as
// far above it, and one longer than a prefix measured below τ at least as far below: neither can
// be the closest, so neither is sampled.
function monotoneRuledOut(
  candidates: readonly SweepCandidateState[],
  intervals: readonly { low: number; high: number }[],
  tau: number,
): (i: number) => boolean {
  let aboveUpTo = -1;
  let belowFrom = candidates.length;
  candidates.forEach((c, i) => {
    if (c.trials === 0) return;
    if (intervals[i].low > tau) aboveUpTo = Math.max(aboveUpTo, i);
    if (intervals[i].high < tau) belowFrom = Math.min(belowFrom, i);
  });
  return (i) => candidates[i].trials === 0 && (i < aboveUpTo || i > belowFrom);
}
