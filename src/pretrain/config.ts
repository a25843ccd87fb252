import { check } from '../errors.ts';

/** Supervised warm start of a policy on a task's traces, until its easy split is saturated. */
export interface WarmStartConfig {
  /** Optimiser steps of the schedule (the learning rate decays over the last decayShare of them). */
  steps: number;
  /** Sequences per step (split across data-parallel shards). */
  batchSize: number;
  /** Peak Adam learning rate. */
  learningRate: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** Share of the schedule, at its end, spent in cosine decay. */
  decayShare: number;
  /** Split the policy must saturate. */
  easySplit: string;
  /** A harder split trained in every `mediumEvery`-th batch (0: never), so its accuracy lands mid-range instead of at 0. */
  mediumSplit: string;
  mediumEvery: number;
  /**
   * Share of traces that carry one mistake, then `!` and the redone step. Repairs are what let a
   * policy recover from a failure prefix (so conditioned accuracy falls gradually, not as a
   * cliff), but they slow the clean jump: they start only after `repairFromShare` of the steps.
   */
  repairShare: number;
  repairFromShare: number;
  /** Share of the repairs that are false alarms (a right step re-checked): teaches that `!` means "recompute". */
  falseAlarmShare: number;
  /** Gradient worker threads besides the main one (the wasm backend uses one core per thread). */
  workers: number;
  /** Seed of the initial weights, the questions and the traces. */
  seed: number;
  /** Saturation check at the end: questions sampled `samples` times at temperature 1. */
  checkQuestions: number;
  checkSamples: number;
  /** A question is saturated at ≥ minCorrect of checkSamples (the paper's 31 of 32). */
  minCorrect: number;
}

export const DEFAULT_WARM_START: WarmStartConfig = {
  steps: 2200,
  batchSize: 32,
  learningRate: 1e-3,
  warmupSteps: 100,
  decayShare: 0.25,
  easySplit: 'easy',
  mediumSplit: 'medium',
  mediumEvery: 4,
  repairShare: 0.08,
  repairFromShare: 0.4,
  falseAlarmShare: 0.5,
  workers: 1,
  seed: 1,
  checkQuestions: 128,
  checkSamples: 32,
  minCorrect: 31,
};

export function warmStartConfig(overrides: Partial<WarmStartConfig> = {}): WarmStartConfig {
  const c = { ...DEFAULT_WARM_START, ...overrides };
  for (const f of ['steps', 'batchSize', 'checkQuestions', 'checkSamples', 'minCorrect'] as const) {
    check(Number.isInteger(c[f]) && c[f] > 0, `pretrain.${f}`, 'a positive integer', c[f]);
  }
  for (const f of ['warmupSteps', 'mediumEvery', 'workers', 'seed'] as const) {
    check(Number.isInteger(c[f]) && c[f] >= 0, `pretrain.${f}`, 'an integer ≥ 0', c[f]);
  }
  for (const f of ['decayShare', 'repairShare', 'repairFromShare', 'falseAlarmShare'] as const) {
    check(c[f] >= 0 && c[f] <= 1, `pretrain.${f}`, 'a number in [0, 1]', c[f]);
  }
  check(c.learningRate > 0, 'pretrain.learningRate', 'a number > 0', c.learningRate);
  check(c.minCorrect <= c.checkSamples, 'pretrain.minCorrect', `at most checkSamples (${c.checkSamples})`, c.minCorrect);
  check(c.batchSize >= c.workers + 1, 'pretrain.batchSize', `at least one sequence per thread (${c.workers + 1})`, c.batchSize);
  return c;
}
