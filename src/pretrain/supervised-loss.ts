import * as tf from '@tensorflow/tfjs-core';
import type { Policy } from '../model/policy.ts';
import type { TokenBatch } from './batch.ts';

/** Mean cross-entropy per trained token of a packed batch (the warm-start objective). */
export function supervisedLoss(policy: Policy, batch: TokenBatch): tf.Scalar {
  return tf.tidy(() => {
    const tokens = tf.tensor2d(batch.tokens, [batch.rows, batch.width], 'int32');
    const mask = tf.tensor2d(batch.mask, [batch.rows, batch.width - 1]);
    return tf.div(tf.neg(tf.sum(tf.mul(policy.tokenLogProbs(tokens), mask))), trainedTokens(batch)) as tf.Scalar;
  });
}

/** How many positions of the batch are trained (at least 1, so an empty mask never divides by zero). */
export function trainedTokens(batch: TokenBatch): number {
  let n = 0;
  for (let i = 0; i < batch.mask.length; i++) n += batch.mask[i]!;
  return Math.max(1, n);
}
