import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, type PackedRollouts } from '../grpo/batch.ts';
import { grpoLoss, type GrpoLossConfig } from '../grpo/loss.ts';
import type { TokenBatch } from '../pretrain/batch.ts';
import { supervisedLoss } from '../pretrain/supervised-loss.ts';
import { gradientsByName } from './adamw.ts';
import type { Policy } from './policy.ts';

/**
 * A loss to differentiate on one shard, as plain data so it can cross a worker boundary.
 * `weight` is the shard's share in the average (its number of trained tokens).
 */
export type GradientJob =
  | { kind: 'supervised'; batch: TokenBatch; weight: number }
  /** A GRPO minibatch shard (no reference policy: workers hold none). */
  | { kind: 'grpo'; packed: PackedRollouts; config: GrpoLossConfig; weight: number };

/**
 * The scalar loss of a job; shared by the leader thread and the workers so both compute the same
 * thing. Called inside a gradient function (whose forward pass is tidied); `keepStats` receives
 * the job's statistics as a kept tensor, which the caller reads after the gradient and disposes.
 * `reference` is the KL term's frozen policy (on the leader only: workers hold none).
 */
export function jobLoss(policy: Policy, job: GradientJob, keepStats?: (stats: tf.Tensor1D) => void, reference?: Policy): tf.Scalar {
  switch (job.kind) {
    case 'supervised':
      return supervisedLoss(policy, job.batch);
    case 'grpo': {
      const out = grpoLoss(policy, batchTensors(job.packed), job.config, reference);
      keepStats?.(tf.keep(tf.stack([out.clipFraction, out.approxKl, out.meanRatio, out.referenceKl ?? tf.scalar(0)]) as tf.Tensor1D));
      return out.loss;
    }
  }
}

/**
 * A job's loss value, gradients by parameter name (the caller disposes them) and its statistics
 * (a GRPO job's token means clipFraction, approxKl, meanRatio, referenceKl; none for others).
 */
export function jobGradients(policy: Policy, job: GradientJob, reference?: Policy): { value: number; grads: Map<string, tf.Tensor>; stats: number[] } {
  let kept: tf.Tensor1D | undefined;
  try {
    const { value, grads } = gradientsByName(policy, () => jobLoss(policy, job, (t) => (kept = t), reference));
    return { value, grads, stats: kept ? Array.from(kept.dataSync()) : [] };
  } finally {
    kept?.dispose();
  }
}
