/**
 * What the dashboard page draws, as data: the page's script is generic and draws whatever this
 * list says, so the metric names and fields live here, next to their types, rather than in the
 * browser code. Names and fields are those of docs/protocol.md's metric groups table.
 */
import type { GrpoMetrics } from '../grpo/step.ts';
import { metricFamily } from './history.ts';

/** One line on a chart: `values[field]` of every record named `metric`. */
export interface SeriesSpec {
  metric: string;
  field: string;
  label: string;
  color: string;
}

/** One chart. Every chart's x axis is the learner's step, so they line up one above the other. */
export interface ChartSpec {
  id: string;
  title: string;
  /** The y axis's title, with its unit. */
  yLabel: string;
  /** Values are shares in [0, 1], shown as percentages. */
  percent?: boolean;
  /**
   * The records carry no step of their own (the selector publishes `pool` every 2 s with step 0):
   * each is drawn at the latest learner step seen before it, the last one of a step winning.
   */
  atLearnerStep?: boolean;
  /** Fixed y range for shares; otherwise the range of the data (from 0). */
  yMax?: number;
  series: SeriesSpec[];
  /** Draw a vertical mark at the step of each `refresh.<cause>` record, labelled with the cause. */
  refreshMarks?: boolean;
}

const PREFIX = '#d9480f';
const ORIGINAL = '#1971c2';
const OTHER = '#2b8a3e';

const variance = (field: string, label: string, color: string): SeriesSpec => ({ metric: 'variance', field, label, color });
const learner = (field: keyof GrpoMetrics, label: string, color: string): SeriesSpec => ({ metric: 'learner', field, label, color });
const pool = (field: string, label: string, color: string): SeriesSpec => ({ metric: 'pool', field, label, color });

/** The page's charts, top to bottom. */
export const CHARTS: readonly ChartSpec[] = [
  {
    id: 'std',
    title: 'Mean reward std per step: prefix vs original groups',
    yLabel: 'reward std (0–0.5)',
    series: [variance('prefixMeanRewardStd', 'prefix groups', PREFIX), variance('originalMeanRewardStd', 'original groups', ORIGINAL)],
  },
  {
    id: 'informative',
    title: 'Informative share per step (groups whose rewards differ)',
    yLabel: 'groups (%)',
    percent: true,
    yMax: 1,
    series: [variance('prefixInformativeShare', 'prefix groups', PREFIX), variance('originalInformativeShare', 'original groups', ORIGINAL)],
  },
  {
    id: 'window',
    title: 'Reward std over the refresh window, refreshes marked',
    yLabel: 'reward std (0–0.5)',
    refreshMarks: true,
    series: [variance('windowMeanRewardStd', 'window mean', OTHER), variance('meanRewardStd', 'this step, all groups', '#868e96')],
  },
  {
    id: 'pool',
    title: 'Prefix pool: mean p̂ and share in band',
    yLabel: 'p̂ / entries (%)',
    percent: true,
    atLearnerStep: true,
    yMax: 1,
    series: [pool('meanPHat', 'mean p̂', PREFIX), pool('inBandShare', 'in band', OTHER)],
  },
  {
    id: 'reward',
    title: 'Learner: mean reward',
    yLabel: 'reward (share correct, %)',
    percent: true,
    yMax: 1,
    series: [learner('rewardMean', 'reward mean', OTHER)],
  },
  {
    id: 'kl',
    title: 'Learner: approx KL(behaviour ‖ current)',
    yLabel: 'KL (nats per token)',
    series: [learner('approxKl', 'approx KL', ORIGINAL)],
  },
];

/** The metric families `charts` draw from (refresh events included when marked): what the history keeps. */
export function chartFamilies(charts: readonly ChartSpec[]): string[] {
  const families = new Set(charts.flatMap((c) => c.series.map((s) => metricFamily(s.metric))));
  if (charts.some((c) => c.refreshMarks)) families.add('refresh');
  return [...families];
}
