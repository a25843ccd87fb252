import type * as tf from '@tensorflow/tfjs-core';
import type { TokenBatch } from '../pretrain/batch.ts';
import { supervisedLoss } from '../pretrain/supervised-loss.ts';
import type { Policy } from './policy.ts';

/**
 * A loss to differentiate on one shard, as plain data so it can cross a worker boundary.
 * `weight` is the shard's share in the average (its number of trained tokens).
 */
export type GradientJob = { kind: 'supervised'; batch: TokenBatch; weight: number };

/** The scalar loss of a job; shared by the leader thread and the workers so both compute the same thing. */
export function jobLoss(policy: Policy, job: GradientJob): tf.Scalar {
  switch (job.kind) {
    case 'supervised':
      return supervisedLoss(policy, job.batch);
  }
}
