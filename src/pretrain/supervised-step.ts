import * as tf from '@tensorflow/tfjs-core';
import { gradientsByName, type AdamW } from '../model/adamw.ts';
import type { Policy } from '../model/policy.ts';
import type { TokenBatch } from './batch.ts';

/** One cross-entropy step on the masked completion tokens; returns the mean loss per trained token. */
export function supervisedStep(policy: Policy, optimizer: AdamW, batch: TokenBatch, learningRate: number): { loss: number; gradNorm: number } {
  const tokens = tf.tensor2d(batch.tokens, [batch.rows, batch.width], 'int32');
  const mask = tf.tensor2d(batch.mask, [batch.rows, batch.width - 1]);
  const trained = Math.max(1, batch.mask.reduce((a, b) => a + b, 0));
  try {
    const { value, grads } = gradientsByName(policy, () =>
      tf.div(tf.neg(tf.sum(tf.mul(policy.tokenLogProbs(tokens), mask))), trained) as tf.Scalar,
    );
    const gradNorm = optimizer.apply(grads, learningRate);
    tf.dispose([...grads.values()]);
    return { loss: value, gradNorm };
  } finally {
    tf.dispose([tokens, mask]);
  }
}
