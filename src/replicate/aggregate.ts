import type { SplitAccuracy } from '../evaluate/accuracy.ts';
import { grandMean, pairedBootstrap, type BootstrapOptions, type SeedByQuestion } from '../evaluate/bootstrap.ts';
import type { Arm } from './arms.ts';

/** One checkpoint's evaluation, with per-question results. */
export interface EvalRecord {
  splits: Record<string, SplitAccuracy>;
}

/** A measure the report compares: a split, from the question alone or from a misleading start. */
export interface Metric {
  key: string;
  split: string;
  measure: 'plain' | 'misleading';
  label: string;
}

/** `easy`, `medium` and `misleading` (easy under misleading starts, the paper's robustness test) are the three. */
export const METRICS: readonly Metric[] = [
  { key: 'easy', split: 'easy', measure: 'plain', label: 'easy' },
  { key: 'medium', split: 'medium', measure: 'plain', label: 'medium' },
  { key: 'misleading', split: 'easy', measure: 'misleading', label: 'easy, misleading start' },
  { key: 'medium-misleading', split: 'medium', measure: 'misleading', label: 'medium, misleading start' },
];

/** One trained run of an arm (one seed). */
export interface RunRecord {
  seed: number;
  runId: string;
  steps: number;
  rollouts: number;
  rolloutsByKind: Record<string, number>;
  final: EvalRecord;
  /** Evaluations of the versions kept during the run (curves), at the curve's (smaller) size. */
  curve: Array<{ step: number; rollouts: number; eval: EvalRecord }>;
}

export interface ArmInput {
  arm: Arm;
  runs: RunRecord[];
}

export interface ComparisonInput {
  arms: ArmInput[];
  /** The starting checkpoint's evaluation: every arm's "before". */
  base: EvalRecord;
  /** Question ids some run may have trained on: left out of every comparison (held out by construction). */
  excluded: ReadonlySet<string>;
  /** How many questions (the first of the eval set) curve points are measured on. */
  curveQuestions: number;
  bootstrap?: BootstrapOptions;
}

export interface MetricResult {
  before: number;
  after: number;
  /** 95 % interval of after − before (paired bootstrap over questions and seeds). */
  ci95: [number, number];
  diff: number;
  se: number;
  /** Each seed's after. */
  perSeed: number[];
  /** For method arms: against the best baseline arm on this measure (highest after). */
  vsBest?: { arm: string; diff: number; ci95: [number, number]; se: number };
  /** For method arms other than the default (`prefix`, when it ran): against it, seed by seed. */
  vsDefault?: { arm: string; diff: number; ci95: [number, number]; se: number };
}

/** The method arm every other method arm (an ablation of it) is also compared against. */
export const DEFAULT_ARM = 'prefix';

export interface CurvePoint {
  step: number;
  rollouts: number;
  values: Record<string, number>;
}

export interface ArmResult {
  role: Arm['role'];
  description: string;
  seeds: number;
  runs: string[];
  steps: number;
  rollouts: number;
  rolloutsByKind: Record<string, number>;
  accuracy: Record<string, MetricResult>;
  responseTokens: Record<string, { before: number; after: number }>;
  curve: CurvePoint[];
}

export interface Comparison {
  questions: Record<string, { evaluated: number; excluded: number; compared: number }>;
  arms: Record<string, ArmResult>;
}

/**
 * The comparison of the report: every arm's measures before → after with intervals, and each
 * method arm against the best baseline, all on the same questions (those no run trained on).
 */
export function compareArms(input: ComparisonInput): Comparison {
  const metrics = METRICS.filter((m) => hasMeasure(input.base, m));
  const ids = new Map<string, string[]>();
  const questions: Comparison['questions'] = {};
  for (const split of new Set(metrics.map((m) => m.split))) {
    const all = input.base.splits[split]!.perQuestion!.ids;
    const kept = all.filter((id) => !input.excluded.has(id));
    ids.set(split, kept);
    questions[split] = { evaluated: all.length, excluded: all.length - kept.length, compared: kept.length };
  }
  const curveIds = new Map([...ids].map(([split, kept]) => [split, new Set(input.base.splits[split]!.perQuestion!.ids.slice(0, input.curveQuestions).filter((id) => kept.includes(id)))]));
  const matrix = (records: EvalRecord[], m: Metric): SeedByQuestion => records.map((r) => valuesAt(r, m, ids.get(m.split)!));
  const baseMatrix = new Map(metrics.map((m) => [m.key, matrix([input.base], m)]));
  const trained = (a: ArmInput) => a.runs.length > 0;
  const defaultArm = input.arms.find((a) => a.arm.name === DEFAULT_ARM && trained(a));

  // The best baseline per measure, by its mean after.
  const best = new Map<string, { arm: string; m: SeedByQuestion }>();
  for (const m of metrics) {
    let top: { arm: string; m: SeedByQuestion; mean: number } | undefined;
    for (const a of input.arms.filter((x) => x.arm.role === 'baseline' && trained(x))) {
      const mm = matrix(a.runs.map((r) => r.final), m);
      const mean = grandMean(mm);
      if (!top || mean > top.mean) top = { arm: a.arm.name, m: mm, mean };
    }
    if (top) best.set(m.key, top);
  }

  const arms: Record<string, ArmResult> = {};
  for (const a of input.arms) {
    const finals = trained(a) ? a.runs.map((r) => r.final) : [input.base];
    const accuracy: Record<string, MetricResult> = {};
    for (const m of metrics) {
      const after = matrix(finals, m);
      const before = baseMatrix.get(m.key)!;
      const d = pairedBootstrap(after, before, input.bootstrap);
      const result: MetricResult = { before: grandMean(before), after: grandMean(after), diff: d.mean, ci95: d.ci95, se: d.se, perSeed: after.map((row) => grandMean([row])) };
      const b = best.get(m.key);
      if (a.arm.role === 'method' && trained(a) && b) {
        const v = pairedBootstrap(after, b.m, input.bootstrap);
        result.vsBest = { arm: b.arm, diff: v.mean, ci95: v.ci95, se: v.se };
      }
      if (a.arm.role === 'method' && trained(a) && defaultArm && a !== defaultArm) {
        const v = pairedBootstrap(after, matrix(defaultArm.runs.map((r) => r.final), m), input.bootstrap);
        result.vsDefault = { arm: DEFAULT_ARM, diff: v.mean, ci95: v.ci95, se: v.se };
      }
      accuracy[m.key] = result;
    }
    const responseTokens = Object.fromEntries(
      [...ids.keys()].map((split) => [split, { before: input.base.splits[split]!.meanResponseTokens, after: mean(finals.map((f) => f.splits[split]?.meanResponseTokens ?? NaN)) }]),
    );
    arms[a.arm.name] = {
      role: a.arm.role,
      description: a.arm.description,
      seeds: a.runs.length,
      runs: a.runs.map((r) => r.runId),
      steps: trained(a) ? mean(a.runs.map((r) => r.steps)) : 0,
      rollouts: trained(a) ? mean(a.runs.map((r) => r.rollouts)) : 0,
      rolloutsByKind: meanByKey(a.runs.map((r) => r.rolloutsByKind)),
      accuracy,
      responseTokens,
      curve: curveOf(a, input.base, metrics, curveIds),
    };
  }
  return { questions, arms };
}

/**
 * An arm's curve: the starting point, every kept version and the final checkpoint, each the mean
 * over the seeds that have it, measured on the curve's questions.
 */
function curveOf(a: ArmInput, base: EvalRecord, metrics: readonly Metric[], curveIds: Map<string, Set<string>>): CurvePoint[] {
  const point = (r: EvalRecord) => Object.fromEntries(metrics.map((m) => [m.key, meanOver(r, m, curveIds.get(m.split)!)]));
  const byStep = new Map<number, Array<{ rollouts: number; values: Record<string, number> }>>();
  const add = (step: number, rollouts: number, r: EvalRecord) => byStep.set(step, [...(byStep.get(step) ?? []), { rollouts, values: point(r) }]);
  add(0, 0, base);
  for (const run of a.runs) {
    for (const c of run.curve) if (c.step < run.steps) add(c.step, c.rollouts, c.eval);
    add(run.steps, run.rollouts, run.final);
  }
  return [...byStep]
    .sort(([x], [y]) => x - y)
    .map(([step, pts]) => ({ step, rollouts: mean(pts.map((p) => p.rollouts)), values: meanByKey(pts.map((p) => p.values)) }));
}

function hasMeasure(r: EvalRecord, m: Metric): boolean {
  const pq = r.splits[m.split]?.perQuestion;
  return !!pq && (m.measure === 'plain' || !!pq.misleading);
}

/** A record's per-question values of one measure at the given ids (in that order). */
function valuesAt(r: EvalRecord, m: Metric, ids: string[]): number[] {
  const pq = r.splits[m.split]?.perQuestion;
  const values = m.measure === 'plain' ? pq?.plain : pq?.misleading;
  if (!pq || !values) throw new Error(`evaluation without per-question ${m.measure} results for split ${m.split}`);
  const at = new Map(pq.ids.map((id, i) => [id, values[i]!]));
  return ids.map((id) => {
    const v = at.get(id);
    if (v === undefined) throw new Error(`evaluation of split ${m.split} lacks question ${id}: evaluations must share questions`);
    return v;
  });
}

function meanOver(r: EvalRecord, m: Metric, ids: Set<string>): number {
  const pq = r.splits[m.split]?.perQuestion;
  const values = m.measure === 'plain' ? pq?.plain : pq?.misleading;
  if (!pq || !values) return NaN;
  const picked = pq.ids.flatMap((id, i) => (ids.has(id) ? [values[i]!] : []));
  return mean(picked);
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN;
}

function meanByKey(rows: Array<Record<string, number>>): Record<string, number> {
  const keys = new Set(rows.flatMap((r) => Object.keys(r)));
  return Object.fromEntries([...keys].map((k) => [k, mean(rows.map((r) => r[k] ?? 0))]));
}
