import { AdamW } from '../model/adamw.ts';
import { GradientPool } from '../model/gradient-pool.ts';
import type { Policy } from '../model/policy.ts';
import { mulberry32 } from '../tasks/rng.ts';
import type { Task } from '../tasks/types.ts';
import { packBatch, traceSequence } from './batch.ts';
import type { WarmStartConfig } from './config.ts';
import { learningRate } from './schedule.ts';
import { parallelSupervisedStep } from './supervised-step.ts';

/** Progress of a warm start, reported every `every` steps and at the end. */
export interface WarmStartProgress {
  step: number;
  steps: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  seconds: number;
  tokensPerSecond: number;
}

/** Seeds of the training questions; evaluation uses seeds far above them so the sets never overlap. */
export const TRAIN_SEED_BASE = 1_000_000;

/**
 * Trains `policy` on the task's supervised traces for `c.steps` steps (data-parallel over
 * `c.workers` threads + this one). The caller owns the policy; the returned optimiser holds the
 * Adam state (for the checkpoint).
 */
export async function warmStart(
  policy: Policy,
  task: Task,
  c: WarmStartConfig,
  options: { backend: string; onProgress?: (p: WarmStartProgress) => void; every?: number; optimizer?: AdamW; startStep?: number },
): Promise<AdamW> {
  const optimizer = options.optimizer ?? new AdamW(policy, { learningRate: c.learningRate, beta1: 0.9, beta2: 0.99, weightDecay: 0.01, maxGradNorm: 1 });
  const pool = await GradientPool.start(policy, c.workers, options.backend);
  const rng = mulberry32(c.seed * 7919 + 17);
  const schedule = { peak: c.learningRate, warmupSteps: c.warmupSteps, totalSteps: c.steps, decayShare: c.decayShare, floor: 0.1 };
  const started = performance.now();
  let tokens = 0;
  let ema = NaN;
  try {
    for (let step = options.startStep ?? 0; step < c.steps; step++) {
      const medium = c.mediumEvery > 0 && step % c.mediumEvery === c.mediumEvery - 1;
      const split = medium ? c.mediumSplit : c.easySplit;
      const repair = step >= c.repairFromShare * c.steps ? c.repairShare : 0;
      const questions = task.generate(split, c.batchSize, TRAIN_SEED_BASE + c.seed * 100_003 + step);
      const sequences = questions.map((q) => traceSequence(task, q, rng, repair, c.falseAlarmShare));
      const shards = shard(sequences, pool.width).map((s) => packBatch(s, task.tokenizer.pad));
      const lr = learningRate(step, schedule);
      const r = await parallelSupervisedStep(pool, policy, optimizer, shards, lr);
      tokens += shards.reduce((a, s) => a + s.rows * s.width, 0);
      if (!medium) ema = Number.isNaN(ema) ? r.loss : 0.9 * ema + 0.1 * r.loss;
      const last = step === c.steps - 1;
      if (options.onProgress && (last || (step + 1) % (options.every ?? 100) === 0)) {
        const seconds = (performance.now() - started) / 1000;
        options.onProgress({ step: step + 1, steps: c.steps, loss: ema, gradNorm: r.gradNorm, learningRate: lr, seconds, tokensPerSecond: tokens / seconds });
      }
    }
  } finally {
    await pool.close();
  }
  return optimizer;
}

/** Splits sequences into `parts` nearly equal shards (one per thread). */
function shard<T>(items: T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
}

