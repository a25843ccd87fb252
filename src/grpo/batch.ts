/**
 * Rollouts packed for the learner: right-padded token rows, a mask over the generated tokens and
 * the behaviour log-probs and advantages aligned with the positions that predict them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { packBatch } from '../pretrain/batch.ts';
import type { ScoredRollout } from './rollout.ts';

/** Host-side arrays of a packed minibatch; positions are [rows, width − 1] like Policy.tokenLogProbs. */
export interface PackedRollouts {
  /** [rows, width] ids: prompt + completion, then pads. */
  tokens: Int32Array;
  /** [rows, width − 1]: 1 where the predicted token (tokens[:, t + 1]) was generated, 0 for prompt and pads. */
  mask: Float32Array;
  /** [rows, width − 1]: the sampler's log-prob of the predicted token where mask is 1, 0 elsewhere. */
  behaviourLogProbs: Float32Array;
  /** [rows]: each sequence's advantage. */
  advantages: Float32Array;
  rows: number;
  width: number;
  /** Number of generated tokens: the sum of mask, the loss's denominator. */
  generatedTokens: number;
}

/**
 * Packs rollouts with `packBatch` (completion mask all ones: every generated token is trained,
 * the stop token included; prompt and failure prefix are conditioning only).
 */
export function packRollouts(rollouts: readonly ScoredRollout[], pad = 0): PackedRollouts {
  const sequences = rollouts.map((r) => ({ prompt: r.prompt, completion: r.completion, completionMask: new Uint8Array(r.completion.length).fill(1) }));
  const { tokens, mask, rows, width } = packBatch(sequences, pad);
  const behaviourLogProbs = new Float32Array(rows * (width - 1));
  let generatedTokens = 0;
  rollouts.forEach((r, row) => {
    // completion token i sits at position prompt.length + i and is predicted from position prompt.length + i − 1
    behaviourLogProbs.set(r.behaviourLogProbs, row * (width - 1) + r.prompt.length - 1);
    generatedTokens += r.completion.length;
  });
  const advantages = Float32Array.from(rollouts, (r) => r.advantage);
  return { tokens, mask, behaviourLogProbs, advantages, rows, width, generatedTokens };
}

/** A packed minibatch on the device; release it with {@link disposeBatch}. */
export interface GrpoBatch {
  /** [B, T] int32. */
  tokens: tf.Tensor2D;
  /** [B, T − 1] float32, 1 on generated tokens. */
  mask: tf.Tensor2D;
  /** [B, T − 1] float32. */
  behaviourLogProbs: tf.Tensor2D;
  /** [B, 1] float32, broadcast over a sequence's tokens. */
  advantages: tf.Tensor2D;
  /** Generated tokens in the batch (known on the host, so the loss needs no device read for it). */
  generatedTokens: number;
}

/** Uploads a packed minibatch. */
export function batchTensors(p: PackedRollouts): GrpoBatch {
  return {
    tokens: tf.tensor2d(p.tokens, [p.rows, p.width], 'int32'),
    mask: tf.tensor2d(p.mask, [p.rows, p.width - 1]),
    behaviourLogProbs: tf.tensor2d(p.behaviourLogProbs, [p.rows, p.width - 1]),
    advantages: tf.tensor2d(p.advantages, [p.rows, 1]),
    generatedTokens: p.generatedTokens,
  };
}

/** Frees a batch's tensors. */
export function disposeBatch(b: GrpoBatch): void {
  tf.dispose([b.tokens, b.mask, b.behaviourLogProbs, b.advantages]);
}
