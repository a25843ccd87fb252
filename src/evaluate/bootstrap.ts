import { check } from '../errors.ts';
import { mulberry32 } from '../tasks/rng.ts';

/**
 * One arm's per-question results: a row per training seed (run), a column per evaluation
 * question, every row over the same questions in the same order (the arms share eval questions
 * and seeds, so columns pair across arms).
 */
export type SeedByQuestion = readonly (readonly number[])[];

/** A difference with its bootstrap spread. */
export interface Difference {
  /** Treatment mean − baseline mean (over seeds, then questions). */
  mean: number;
  /** 2.5 % and 97.5 % percentiles of the resampled differences. */
  ci95: [number, number];
  /** Standard deviation of the resampled differences (the standard error). */
  se: number;
}

export interface BootstrapOptions {
  /** Resamples (2,000 puts the percentiles within ~0.1 of a standard error of their limit). */
  resamples?: number;
  seed?: number;
}

/**
 * Paired bootstrap of (treatment − baseline): every resample draws the questions with
 * replacement, shared by both sides (the pairing: a hard question is hard for both), and each
 * side's seeds with replacement, independently (seed i of one arm has nothing to do with seed i
 * of another). The spread thus covers both the eval's question and sampling noise and the
 * run-to-run variation of training. Pure and seeded: the same inputs give the same interval.
 */
export function pairedBootstrap(treatment: SeedByQuestion, baseline: SeedByQuestion, o: BootstrapOptions = {}): Difference {
  const resamples = o.resamples ?? 2000;
  const questions = checkShape(treatment, 'treatment');
  check(checkShape(baseline, 'baseline') === questions, 'baseline', `${questions} questions per seed, as the treatment`, baseline[0]?.length);
  check(Number.isInteger(resamples) && resamples >= 1, 'resamples', 'a positive integer', resamples);
  const rng = mulberry32(o.seed ?? 1);
  const draw = (n: number) => Math.floor(rng() * n);
  const diffs = new Float64Array(resamples);
  const perQuestion = new Float64Array(questions);
  for (let b = 0; b < resamples; b++) {
    const t = Array.from(treatment, () => treatment[draw(treatment.length)]!);
    const c = Array.from(baseline, () => baseline[draw(baseline.length)]!);
    for (let q = 0; q < questions; q++) perQuestion[q] = meanAt(t, q) - meanAt(c, q);
    let sum = 0;
    for (let i = 0; i < questions; i++) sum += perQuestion[draw(questions)]!;
    diffs[b] = sum / questions;
  }
  const mean = grandMean(treatment) - grandMean(baseline);
  diffs.sort();
  const avg = diffs.reduce((a, x) => a + x, 0) / resamples;
  const se = Math.sqrt(diffs.reduce((a, x) => a + (x - avg) ** 2, 0) / Math.max(1, resamples - 1));
  return { mean, ci95: [percentile(diffs, 0.025), percentile(diffs, 0.975)], se };
}

/** Mean over seeds, then over questions. */
export function grandMean(m: SeedByQuestion): number {
  let total = 0;
  for (const row of m) total += row.reduce((a, x) => a + x, 0) / row.length;
  return total / m.length;
}

function meanAt(rows: readonly (readonly number[])[], q: number): number {
  let s = 0;
  for (const row of rows) s += row[q]!;
  return s / rows.length;
}

/** Linear interpolation between order statistics (numpy's default). */
function percentile(sorted: Float64Array, p: number): number {
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function checkShape(m: SeedByQuestion, field: string): number {
  check(m.length >= 1, field, 'at least one seed', m.length);
  const n = m[0]!.length;
  check(n >= 1, field, 'at least one question', n);
  for (const row of m) check(row.length === n, field, `${n} questions in every seed`, row.length);
  return n;
}
