import { map, scan, type OperatorFunction } from 'rxjs';
import { groupStats } from '../src/grpo/advantages.ts';

/** The rewards of one group of rollouts, as the learner saw them at one step. */
export interface GroupRewards {
  groupId: string;
  /** 'prefix' for groups continued from a failure prefix, 'original' for the question alone. */
  source: 'prefix' | 'original';
  rewards: number[];
  /**
   * The pool's p̂ for the prefix when the learner drew it (prefix groups; NaN when unknown). Set
   * against the group's mean it shows how far the policy had moved past the pool's estimate.
   */
  drawnPHat?: number;
}

/** One step's groups. */
export interface StepGroups {
  step: number;
  groups: GroupRewards[];
}

/** The variance stream's record of one step (published on `metrics.variance`). */
export interface VarianceRecord {
  step: number;
  groups: Array<{ groupId: string; source: 'prefix' | 'original'; mean: number; std: number; n: number; drawnPHat: number }>;
  /** Mean over this step's groups of the reward std (population std of 0/1 rewards, as in p(1−p)). */
  meanRewardStd: number;
  /** Share of groups whose rewards are not all equal (they carry a gradient). */
  informativeShare: number;
  zeroVarianceShare: number;
  /** meanRewardStd averaged over the last `window` steps. */
  windowMeanRewardStd: number;
  windowInformativeShare: number;
  /**
   * The same two figures over this step's prefix groups alone (NaN when it had none): the signal
   * a refresh can act on. Original-question groups are mostly all-correct by design, so mixing
   * them in would read as "prefixes have gone stale" whenever originals are part of the step.
   */
  prefixMeanRewardStd: number;
  prefixInformativeShare: number;
  /** And over the original-question groups alone (NaN when it had none). */
  originalMeanRewardStd: number;
  originalInformativeShare: number;
}

/**
 * Per-step group statistics and their moving window: the signal the refresh controller watches.
 * State is a bounded ring of the last `window` steps, so memory does not grow with the run.
 */
export function varianceRecords(window: number): OperatorFunction<StepGroups, VarianceRecord> {
  return (source) =>
    source.pipe(
      scan(
        (acc, s) => {
          const groups = s.groups.map((g) => {
            const st = groupStats(g.rewards);
            const mean = st.mean;
            // Population std: the p(1-p) the paper reasons with (GRPO's advantages use the sample std).
            const std = Math.sqrt(g.rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, g.rewards.length));
            return { groupId: g.groupId, source: g.source, mean, std, n: g.rewards.length, drawnPHat: g.drawnPHat ?? NaN };
          });
          const { meanRewardStd, informativeShare } = spread(groups);
          const prefix = spread(groups.filter((g) => g.source === 'prefix'), NaN);
          const original = spread(groups.filter((g) => g.source === 'original'), NaN);
          const recent = [...acc.recent, { meanRewardStd, informativeShare }].slice(-window);
          const record: VarianceRecord = {
            step: s.step,
            groups,
            meanRewardStd,
            informativeShare,
            zeroVarianceShare: groups.length ? 1 - informativeShare : 0,
            windowMeanRewardStd: average(recent.map((r) => r.meanRewardStd)),
            windowInformativeShare: average(recent.map((r) => r.informativeShare)),
            prefixMeanRewardStd: prefix.meanRewardStd,
            prefixInformativeShare: prefix.informativeShare,
            originalMeanRewardStd: original.meanRewardStd,
            originalInformativeShare: original.informativeShare,
          };
          return { recent, record };
        },
        { recent: [] as Array<{ meanRewardStd: number; informativeShare: number }>, record: undefined as unknown as VarianceRecord },
      ),
      map((s) => s.record),
    );
}

/** Mean reward std and informative share of `groups` (`empty` for both when there are none). */
function spread(groups: Array<{ std: number }>, empty = 0): { meanRewardStd: number; informativeShare: number } {
  if (!groups.length) return { meanRewardStd: empty, informativeShare: empty };
  return { meanRewardStd: average(groups.map((g) => g.std)), informativeShare: average(groups.map((g) => (g.std > 0 ? 1 : 0))) };
}

function average(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
