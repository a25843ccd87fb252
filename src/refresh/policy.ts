import { check } from '../errors.ts';
import { driftedOutOfBand, type PoolEntry } from '../pool/entry.ts';

/** When the refresh controller rebuilds prefixes. */
export interface RefreshConfig {
  /** false: the controller never refreshes (an ablation: what the refresh adds). */
  enabled: boolean;
  /** Consecutive learner steps a signal must stay under its threshold before a refresh. */
  windowSteps: number;
  /** Threshold on the mean over a step's groups of the reward std. */
  minMeanRewardStd: number;
  /** Threshold on the share of a step's groups whose rewards are not all equal. */
  minInformativeShare: number;
  /** A pool entry is rebuilt when its Wilson interval leaves this band… */
  band: [number, number];
  /** …resting on at least this many recent trials… */
  driftMinTrials: number;
  /**
   * …at this z (0.5: ~69 % one-sided). Far looser than the selector's 1.96 on purpose: a false
   * drift costs one re-probe, a missed one keeps a prefix the policy has learnt past in the pool,
   * where the learner no longer draws it (so it would gather no more evidence).
   */
  driftZ: number;
  /** Steps after a refresh during which no other global refresh fires (the new prefixes need time to show). */
  cooldownSteps: number;
}

export const DEFAULT_REFRESH: RefreshConfig = {
  enabled: true,
  windowSteps: 4,
  minMeanRewardStd: 0.3,
  minInformativeShare: 0.6,
  band: [0.25, 0.75],
  driftMinTrials: 32,
  driftZ: 0.5,
  cooldownSteps: 6,
};

export function refreshConfig(o: Partial<RefreshConfig> = {}): RefreshConfig {
  const c = { ...DEFAULT_REFRESH, ...o };
  check(typeof c.enabled === 'boolean', 'refresh.enabled', 'true or false', c.enabled);
  check(Number.isInteger(c.windowSteps) && c.windowSteps > 0, 'refresh.windowSteps', 'a positive integer', c.windowSteps);
  check(c.minMeanRewardStd >= 0 && c.minMeanRewardStd <= 0.5, 'refresh.minMeanRewardStd', 'a number in [0, 0.5]', c.minMeanRewardStd);
  check(c.minInformativeShare >= 0 && c.minInformativeShare <= 1, 'refresh.minInformativeShare', 'a number in [0, 1]', c.minInformativeShare);
  check(c.band[0] >= 0 && c.band[0] < c.band[1] && c.band[1] <= 1, 'refresh.band', '[low, high] with 0 ≤ low < high ≤ 1', c.band);
  check(Number.isInteger(c.driftMinTrials) && c.driftMinTrials > 0, 'refresh.driftMinTrials', 'a positive integer', c.driftMinTrials);
  check(c.driftZ > 0, 'refresh.driftZ', 'a number > 0', c.driftZ);
  check(Number.isInteger(c.cooldownSteps) && c.cooldownSteps >= 0, 'refresh.cooldownSteps', 'an integer ≥ 0', c.cooldownSteps);
  return c;
}

/** What one learner step says about the learning signal. */
export interface StepSignal {
  step: number;
  meanRewardStd: number;
  informativeShare: number;
}

/**
 * The signal of a `metrics.variance` record's values: its prefix groups' figures when the step
 * had any, else all groups'. Originals are excluded because a refresh cannot change them, and
 * their near-zero std would otherwise keep the window under threshold.
 */
export function refreshSignal(r: { step: number; values: Record<string, number> }): StepSignal {
  const v = r.values;
  const prefix = Number.isFinite(v.prefixMeanRewardStd) && Number.isFinite(v.prefixInformativeShare);
  return {
    step: r.step,
    meanRewardStd: (prefix ? v.prefixMeanRewardStd : v.meanRewardStd) ?? 0,
    informativeShare: (prefix ? v.prefixInformativeShare : v.informativeShare) ?? 0,
  };
}

export type RefreshCause = 'low-reward-std' | 'low-informative-share' | 'drift';

export interface RefreshDecision {
  cause: RefreshCause;
  step: number;
  /** Questions to rebuild; empty means the whole pool. */
  questionIds: string[];
  detail: Record<string, number>;
}

export interface ControllerState {
  lowStdStreak: number;
  lowShareStreak: number;
  lastRefreshStep: number;
}

export const INITIAL_CONTROLLER_STATE: ControllerState = { lowStdStreak: 0, lowShareStreak: 0, lastRefreshStep: -Infinity };

/**
 * The controller's pure step on a learner signal: a global refresh when reward std or the
 * informative share has stayed under its threshold for windowSteps steps (outside the cooldown).
 */
export function onStepSignal(state: ControllerState, s: StepSignal, c: RefreshConfig): { state: ControllerState; decision?: RefreshDecision } {
  const next = {
    ...state,
    lowStdStreak: s.meanRewardStd < c.minMeanRewardStd ? state.lowStdStreak + 1 : 0,
    lowShareStreak: s.informativeShare < c.minInformativeShare ? state.lowShareStreak + 1 : 0,
  };
  if (s.step - state.lastRefreshStep <= c.cooldownSteps) return { state: next };
  const cause: RefreshCause | undefined =
    next.lowStdStreak >= c.windowSteps ? 'low-reward-std' : next.lowShareStreak >= c.windowSteps ? 'low-informative-share' : undefined;
  if (!cause) return { state: next };
  return {
    state: { lowStdStreak: 0, lowShareStreak: 0, lastRefreshStep: s.step },
    decision: { cause, step: s.step, questionIds: [], detail: { meanRewardStd: s.meanRewardStd, informativeShare: s.informativeShare, windowSteps: c.windowSteps } },
  };
}

/** Entries whose p̂ has left the band with enough evidence: each is rebuilt on its own. */
export function driftDecision(entries: PoolEntry[], step: number, c: RefreshConfig, alreadyRefreshing: ReadonlySet<string>): RefreshDecision | undefined {
  const drifted = entries.filter((e) => !alreadyRefreshing.has(e.questionId) && driftedOutOfBand(e, c.band, c.driftMinTrials, c.driftZ));
  if (!drifted.length) return undefined;
  return {
    cause: 'drift',
    step,
    questionIds: drifted.map((e) => e.questionId),
    detail: { entries: drifted.length, meanPHat: drifted.reduce((a, e) => a + e.pHat, 0) / drifted.length },
  };
}
