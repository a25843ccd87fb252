import * as tf from '@tensorflow/tfjs-core';
import { gradientsByName, type AdamW } from '../model/adamw.ts';
import type { GradientPool } from '../model/gradient-pool.ts';
import type { Policy } from '../model/policy.ts';
import type { TokenBatch } from './batch.ts';
import { supervisedLoss, trainedTokens } from './supervised-loss.ts';

/** One cross-entropy step on one thread; returns the mean loss per trained token. */
export function supervisedStep(policy: Policy, optimizer: AdamW, batch: TokenBatch, learningRate: number): { loss: number; gradNorm: number } {
  const { value, grads } = gradientsByName(policy, () => supervisedLoss(policy, batch));
  const gradNorm = optimizer.apply(grads, learningRate);
  tf.dispose([...grads.values()]);
  return { loss: value, gradNorm };
}

/**
 * The same step with the batch split into shards: this thread computes the first shard while
 * the pool's workers compute the rest, and gradients are averaged by trained-token count.
 */
export async function parallelSupervisedStep(pool: GradientPool, policy: Policy, optimizer: AdamW, shards: TokenBatch[], learningRate: number): Promise<{ loss: number; gradNorm: number }> {
  const { loss, grads } = await pool.gradients(policy, shards.map((s) => ({ kind: 'supervised' as const, batch: s, weight: trainedTokens(s) })));
  const gradNorm = optimizer.apply(grads, learningRate);
  tf.dispose([...grads.values()]);
  await pool.broadcastWeights(policy);
  return { loss, gradNorm };
}
