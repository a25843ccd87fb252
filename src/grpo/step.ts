/**
 * One GRPO update: advantages per group, then `epochs` shuffled passes of minibatches, one AdamW
 * step each, on the clipped token-level loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.ts';
import type { AdamW } from '../model/adamw.ts';
import type { Policy } from '../model/policy.ts';
import { mulberry32, shuffle, type Rng } from '../tasks/rng.ts';
import { packRollouts } from './batch.ts';
import type { GrpoConfig } from './config.ts';
import { grpoUpdateFlops, type MinibatchShape } from './flops.ts';
import { groupRollouts, type Rollout, type ScoredRollout } from './rollout.ts';
import type { GradientPool } from '../model/gradient-pool.ts';
import { jobGradients, type GradientJob } from '../model/gradient-job.ts';

/** Collaborators of {@link grpoUpdate}. */
export interface GrpoUpdateOptions {
  /** Frozen policy for the KL penalty; required when config.klCoef > 0. */
  reference?: Policy;
  /** Shuffles minibatches; default a fixed-seed stream, so updates are reproducible. */
  rng?: Rng;
  /** Id that fills ragged rows (masked out, so any valid id works); default 0, saturn's pad. */
  pad?: number;
  /** Milliseconds clock for the throughput figures; default performance.now. */
  clock?: () => number;
  /**
   * Threads to share each minibatch with (data-parallel, see GradientPool); the policy's weights
   * are sent to them after every optimiser step. Not used with a KL term (workers hold no reference).
   */
  pool?: GradientPool;
}

/** What one update did. loss, clipFraction, approxKl, meanRatio and gradNorm are means over its optimiser steps. */
export interface GrpoMetrics {
  /** Loss minimised (policy loss + β·KL). */
  loss: number;
  /** Share of generated tokens whose gradient the clip blocked. */
  clipFraction: number;
  /** k3 estimate of KL(behaviour ‖ current) over generated tokens; grows with epochs and actor lag. */
  approxKl: number;
  /** Mean π/π_behaviour over generated tokens. */
  meanRatio: number;
  /** k3 KL(current ‖ reference) when klCoef > 0, else 0. */
  referenceKl: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Mean reward over every rollout. */
  rewardMean: number;
  /** Mean over groups of the within-group sample std (TRL's `reward_std`): how much signal the batch holds. */
  rewardStd: number;
  /** Share of groups whose rewards were all equal: trained on (and counted) with zero advantage. */
  zeroVarianceGroupShare: number;
  /** Number of groups. */
  groups: number;
  /** Generated tokens in the rollouts (each trained on `epochs` times). */
  tokens: number;
  /** Generated tokens consumed per second of update: what the learner can absorb from the actors. */
  tokensPerSecond: number;
  /** Optimiser steps taken: epochs × ceil(rollouts / minibatchSize). */
  optimizerSteps: number;
  /** Model FLOPs run (forward + backward, padded shapes); divide by `seconds` for achieved FLOP/s. */
  flops: number;
  /** Wall time of the update. */
  seconds: number;
}

/**
 * Trains `policy` on one batch of rollouts. Every rollout counts: groups with zero reward variance
 * have zero advantage yet stay in the minibatches (and the token denominator) and in the metrics.
 * `optimizer` must belong to `policy` and clip at config.maxGradNorm (see grpoOptimizer).
 */
export function grpoUpdate(policy: Policy, optimizer: AdamW, rollouts: readonly Rollout[], config: GrpoConfig, options: GrpoUpdateOptions = {}): Promise<GrpoMetrics> {
  const { reference, rng = mulberry32(0), pad = 0, clock = () => performance.now(), pool } = options;
  check(rollouts.length > 0, 'rollouts', 'at least one rollout', rollouts.length);
  check(optimizer.policy === policy, 'optimizer', 'an optimiser of the policy being trained');
  check(
    optimizer.config.maxGradNorm === config.maxGradNorm,
    'grpo.maxGradNorm',
    `the optimizer's maxGradNorm (${optimizer.config.maxGradNorm}); build it with grpoOptimizer`,
    config.maxGradNorm,
  );
  check(config.klCoef === 0 || reference !== undefined, 'reference', 'a reference policy when grpo.klCoef > 0');
  check(reference === undefined || reference.config.vocabSize === policy.config.vocabSize, 'reference', `a policy over the same vocabulary (${policy.config.vocabSize})`);
  const start = clock();
  // Validation above throws synchronously; the update itself may wait on the pool's workers.
  const groups = groupRollouts(rollouts, { epsilon: config.advantageEpsilon, scaleByStd: config.scaleAdvantagesByStd });
  const withReference = config.klCoef > 0 ? reference : undefined;

  return train(policy, optimizer, groups, config, { rng, pad, clock, start, reference: withReference, pool });
}

async function train(
  policy: Policy,
  optimizer: AdamW,
  groups: ReturnType<typeof groupRollouts>,
  config: GrpoConfig,
  o: { rng: Rng; pad: number; clock: () => number; start: number; reference?: Policy; pool?: GradientPool },
): Promise<GrpoMetrics> {
  const { rng, pad, clock, start, reference: withReference } = o;
  // Workers hold no reference policy: with a KL term every shard is computed here.
  const pool = withReference ? undefined : o.pool;
  const scored = groups.flatMap((g) => g.rollouts);
  const sums = { loss: 0, clipFraction: 0, approxKl: 0, meanRatio: 0, referenceKl: 0, gradNorm: 0 };
  const shapes: MinibatchShape[] = [];
  let steps = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = shuffle(rng, scored.map((_, i) => i));
    for (let first = 0; first < order.length; first += config.minibatchSize) {
      const minibatch = order.slice(first, first + config.minibatchSize).map((i) => scored[i]!);
      const r = pool ? await shardedGradients(pool, policy, minibatch, config, pad, shapes) : localGradients(policy, minibatch, config, pad, shapes, withReference);
      try {
        sums.gradNorm += optimizer.apply(r.grads, config.learningRate);
      } finally {
        tf.dispose([...r.grads.values()]);
      }
      await pool?.broadcastWeights(policy);
      steps += 1;
      sums.loss += r.loss;
      sums.clipFraction += r.stats[0]!;
      sums.approxKl += r.stats[1]!;
      sums.meanRatio += r.stats[2]!;
      sums.referenceKl += r.stats[3]!;
    }
  }

  const tokens = scored.reduce((n, r) => n + r.completion.length, 0);
  const seconds = Math.max(1e-9, (clock() - start) / 1000);
  return {
    loss: sums.loss / steps,
    clipFraction: sums.clipFraction / steps,
    approxKl: sums.approxKl / steps,
    meanRatio: sums.meanRatio / steps,
    referenceKl: sums.referenceKl / steps,
    gradNorm: sums.gradNorm / steps,
    rewardMean: scored.reduce((s, r) => s + r.reward, 0) / scored.length,
    rewardStd: groups.reduce((s, g) => s + g.stats.std, 0) / groups.length,
    zeroVarianceGroupShare: groups.filter((g) => g.stats.zeroVariance).length / groups.length,
    groups: groups.length,
    tokens,
    tokensPerSecond: tokens / seconds,
    optimizerSteps: steps,
    flops: grpoUpdateFlops(policy.config, shapes, { reference: withReference !== undefined }),
    seconds,
  };
}

type MinibatchGradients = { loss: number; stats: number[]; grads: Map<string, tf.Tensor> };

/** A minibatch (or shard) packed as a GRPO gradient job, its padded shape recorded for the FLOP count. */
function grpoJob(rollouts: ScoredRollout[], config: GrpoConfig, pad: number, shapes: MinibatchShape[]): GradientJob {
  const packed = packRollouts(rollouts, pad);
  shapes.push({ rows: packed.rows, width: packed.width });
  const { clipLow, clipHigh, klCoef, temperature } = config;
  return { kind: 'grpo', packed, config: { clipLow, clipHigh, klCoef, temperature }, weight: packed.generatedTokens };
}

/** One minibatch's loss, statistics and gradients on this thread. */
function localGradients(policy: Policy, minibatch: ScoredRollout[], config: GrpoConfig, pad: number, shapes: MinibatchShape[], reference?: Policy): MinibatchGradients {
  const { value, grads, stats } = jobGradients(policy, grpoJob(minibatch, config, pad, shapes), reference);
  return { loss: value, stats, grads };
}

/**
 * The same over the pool's threads: the minibatch is cut into one shard per thread, balanced by
 * generated tokens, each packed to its own width. The loss is a mean over generated tokens, so
 * shard gradients averaged by their token counts are the whole minibatch's gradient.
 */
async function shardedGradients(pool: GradientPool, policy: Policy, minibatch: ScoredRollout[], config: GrpoConfig, pad: number, shapes: MinibatchShape[]): Promise<MinibatchGradients> {
  return pool.gradients(policy, balancedShards(minibatch, pool.width).map((shard) => grpoJob(shard, config, pad, shapes)));
}

/** Rollouts dealt into at most `parts` shards of nearly equal generated tokens (longest first, each to the lightest shard). */
function balancedShards(rollouts: ScoredRollout[], parts: number): ScoredRollout[][] {
  const shards = Array.from({ length: Math.min(parts, rollouts.length) }, () => ({ tokens: 0, rollouts: [] as ScoredRollout[] }));
  for (const r of [...rollouts].sort((a, b) => b.completion.length - a.completion.length)) {
    const lightest = shards.reduce((a, b) => (b.tokens < a.tokens ? b : a));
    lightest.rollouts.push(r);
    lightest.tokens += r.completion.length;
  }
  return shards.map((s) => s.rollouts);
}
