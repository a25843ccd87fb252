/**
 * GRPO's clipped surrogate, aggregated per token (DAPO-style): every generated token of the
 * batch weighs the same, so long completions are not down-weighted the way per-sequence means
 * would down-weight them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.ts';
import type { Policy } from '../model/policy.ts';
import type { GrpoBatch } from './batch.ts';
import type { GrpoConfig } from './config.ts';

/**
 * Log-ratios are clamped to ±20 before exp (as verl does) so a very stale token cannot overflow
 * to Infinity; its gradient is then zero, which clipping would mostly have made it anyway.
 */
export const LOG_RATIO_LIMIT = 20;

/** The config fields the loss reads. */
export type GrpoLossConfig = Pick<GrpoConfig, 'clipLow' | 'clipHigh' | 'klCoef' | 'temperature'>;

/** The scalar to minimise and the statistics that come with it (all tensors; the caller disposes them). */
export interface GrpoLoss {
  /** policyLoss + klCoef · referenceKl. */
  loss: tf.Scalar;
  /** −(sum over generated tokens of min(ρ·A, clip(ρ, 1 − clipLow, 1 + clipHigh)·A)) / generated tokens. */
  policyLoss: tf.Scalar;
  /** Share of generated tokens whose clipped term is the active (strictly smaller) one: their gradient is zero. */
  clipFraction: tf.Scalar;
  /**
   * k3 estimate of KL(behaviour ‖ current), mean over generated tokens: ρ − 1 − log ρ with
   * ρ = π/π_behaviour. Unbiased for tokens the behaviour policy sampled, and never negative.
   */
  approxKl: tf.Scalar;
  /** Mean ratio ρ over generated tokens (1 on the first minibatch of fresh, on-policy rollouts). */
  meanRatio: tf.Scalar;
  /** k3 estimate of KL(current ‖ reference), mean over generated tokens; only when klCoef > 0. */
  referenceKl?: tf.Scalar;
}

/**
 * The GRPO loss of one minibatch under `policy`. Per generated token, ρ = exp(logp − behaviour),
 * surrogate = min(ρ·A, clip(ρ, 1 − clipLow, 1 + clipHigh)·A); the loss is −(sum of surrogates) /
 * (number of generated tokens), plus β·k3 with k3 = exp(ref − logp) − (ref − logp) − 1 against
 * `reference` when klCoef = β > 0. Prompt, prefix and pad positions are masked out entirely.
 * Safe inside a gradient function: only the policy's variables should be differentiated.
 */
export function grpoLoss(policy: Policy, batch: GrpoBatch, config: GrpoLossConfig, reference?: Policy): GrpoLoss {
  const useReference = config.klCoef > 0;
  check(!useReference || reference !== undefined, 'reference', 'a reference policy when grpo.klCoef > 0');
  return tf.tidy(() => {
    const count = Math.max(1, batch.generatedTokens);
    const tokenMean = (x: tf.Tensor) => tf.div(tf.sum(tf.mul(x, batch.mask)), count) as tf.Scalar;
    const logp = policy.tokenLogProbs(batch.tokens, config.temperature); // [B, T−1]
    const logRatio = tf.clipByValue(tf.sub(logp, batch.behaviourLogProbs), -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT);
    const ratio = tf.exp(logRatio);
    const unclipped = tf.mul(ratio, batch.advantages); // [B, T−1] · [B, 1]
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - config.clipLow, 1 + config.clipHigh), batch.advantages);
    // Ties (ratio inside the clip range) go to the unclipped term, so its gradient flows.
    const policyLoss = tf.neg(tokenMean(tf.minimum(unclipped, clipped))) as tf.Scalar;
    const out: GrpoLoss = {
      loss: policyLoss,
      policyLoss,
      clipFraction: tokenMean(tf.cast(tf.greater(unclipped, clipped), 'float32')),
      approxKl: tokenMean(tf.sub(tf.sub(ratio, 1), logRatio)),
      meanRatio: tokenMean(ratio),
    };
    if (useReference) {
      const refLogp = reference!.tokenLogProbs(batch.tokens, config.temperature);
      const delta = tf.clipByValue(tf.sub(refLogp, logp), -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT);
      out.referenceKl = tokenMean(tf.sub(tf.sub(tf.exp(delta), delta), 1));
      out.loss = tf.add(policyLoss, tf.mul(out.referenceKl, config.klCoef)) as tf.Scalar;
    }
    return out as unknown as tf.TensorContainer;
  }) as unknown as GrpoLoss;
}
