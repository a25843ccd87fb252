import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.ts';
import { policyConfig, type PolicyConfig } from './config.ts';
import { batchMatMul, layerNorm, matMul2d } from './ops.ts';
import { createParams, type Params } from './params.ts';

/** Additive attention mask value: large enough to zero a softmax weight, small enough to stay finite. */
const MASKED = -1e9;

/** Keys and values of one layer for incremental decoding: kT [B·H, hd, Tk], v [B·H, Tk, hd]. */
export interface LayerCache {
  kT: tf.Tensor3D;
  v: tf.Tensor3D;
}

/**
 * A decoder-only transformer policy (pre-LayerNorm, learned positions, ReLU MLP) over integer
 * tokens. Every dense product is a plain 2-D matMul so the wasm backend stays on XNNPACK.
 */
export class Policy {
  readonly config: PolicyConfig;
  readonly params: Params;

  constructor(config: Partial<PolicyConfig> & { vocabSize: number }) {
    this.config = policyConfig(config);
    this.params = createParams(this.config);
  }

  /** The parameter tensor called `name`. */
  p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  private m(name: string): tf.Tensor2D {
    return this.p(name) as unknown as tf.Tensor2D;
  }

  private vec(name: string): tf.Tensor1D {
    return this.p(name) as unknown as tf.Tensor1D;
  }

  /** Token embeddings of ids [N] at positions [N] → [N, d] (one-hot matmuls: gather's gradient has no wasm kernel). */
  embed(ids: tf.Tensor1D, positions: tf.Tensor1D | null, length: number): tf.Tensor2D {
    const c = this.config;
    const tok = matMul2d(oneHotFloat(ids, c.vocabSize), this.m('tok_emb'));
    if (positions) {
      return tf.add(tok, matMul2d(oneHotFloat(positions, c.contextLength), this.m('pos_emb')));
    }
    // Positions 0..T-1 for every row: broadcast the table's first T rows over the batch.
    const batch = ids.shape[0] / length;
    const pos = tf.slice(this.p('pos_emb'), [0, 0], [length, c.dModel]);
    return tf.reshape(tf.add(tf.reshape(tok, [batch, length, c.dModel]), pos), [ids.shape[0], c.dModel]);
  }

  /** [B·T, d] → [B·H, T, hd] (or, transposed, [B·H, hd, T] for keys). */
  private splitHeads(x: tf.Tensor2D, batch: number, length: number, transposed: boolean): tf.Tensor3D {
    const { nHeads: h, dModel: d } = this.config;
    const hd = d / h;
    const x4 = tf.reshape(x, [batch, length, h, hd]);
    return transposed
      ? tf.reshape(tf.transpose(x4, [0, 2, 3, 1]), [batch * h, hd, length])
      : tf.reshape(tf.transpose(x4, [0, 2, 1, 3]), [batch * h, length, hd]);
  }

  /**
   * One transformer block over x [B·T, d]. `mask` is added to the attention scores viewed as
   * [B, H, T, Tk]. With a cache the new keys/values are appended to it and the block attends to
   * everything cached; the updated cache is returned.
   */
  block(layer: number, x: tf.Tensor2D, batch: number, length: number, mask: tf.Tensor, cache?: LayerCache): { x: tf.Tensor2D; cache: LayerCache } {
    const { nHeads: h, dModel: d } = this.config;
    const hd = d / h;
    const p = `h${layer}.`;
    const a = layerNorm(x, this.vec(`${p}ln1.g`), this.vec(`${p}ln1.b`));
    const q = this.splitHeads(tf.mul(matMul2d(a, this.m(`${p}wq`)), 1 / Math.sqrt(hd)), batch, length, false);
    let kT = this.splitHeads(matMul2d(a, this.m(`${p}wk`)), batch, length, true);
    let v = this.splitHeads(matMul2d(a, this.m(`${p}wv`)), batch, length, false);
    if (cache) {
      kT = tf.concat([cache.kT, kT], 2);
      v = tf.concat([cache.v, v], 1);
    }
    const keys = kT.shape[2];
    const scores = tf.add(tf.reshape(batchMatMul(q, kT as tf.Tensor3D), [batch, h, length, keys]), mask); // [B, H, T, Tk]
    const weights = tf.reshape(tf.softmax(scores), [batch * h, length, keys]);
    const mixed = tf.reshape(batchMatMul(weights as tf.Tensor3D, v as tf.Tensor3D), [batch, h, length, hd]); // [B, H, T, hd]
    const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [batch * length, d]);
    const x1 = tf.add(x, matMul2d(merged as tf.Tensor2D, this.m(`${p}wo`))) as tf.Tensor2D;
    const m = layerNorm(x1, this.vec(`${p}ln2.g`), this.vec(`${p}ln2.b`));
    const hidden = tf.relu(tf.add(matMul2d(m, this.m(`${p}w1`)), this.p(`${p}b1`))) as tf.Tensor2D;
    const out = tf.add(x1, tf.add(matMul2d(hidden as tf.Tensor2D, this.m(`${p}w2`)), this.p(`${p}b2`)));
    return { x: out as tf.Tensor2D, cache: { kT, v } };
  }

  /** Final norm and output head: [N, d] → logits [N, V]. */
  head(x: tf.Tensor2D): tf.Tensor2D {
    return matMul2d(layerNorm(x, this.vec('lnf.g'), this.vec('lnf.b')), this.m('head'));
  }

  /** Logits [B·T, V] of right-padded sequences tokens [B, T] starting at position 0 (causal). */
  logits(tokens: tf.Tensor2D): tf.Tensor2D {
    const [batch, length] = tokens.shape;
    check(length <= this.config.contextLength, 'sequence length', `at most contextLength (${this.config.contextLength})`, length);
    const causal = causalMask(length, this.config.contextLength);
    let x = this.embed(tf.reshape(tokens, [batch * length]) as tf.Tensor1D, null, length);
    for (let l = 0; l < this.config.nLayers; l++) x = this.block(l, x, batch, length, causal).x;
    return this.head(x);
  }

  /**
   * Log-probabilities [B, T-1] of tokens[:, 1:] given what precedes them, under softmax(logits /
   * temperature) — the same distribution the sampler reports, so PPO ratios compare like with like.
   */
  tokenLogProbs(tokens: tf.Tensor2D, temperature = 1): tf.Tensor2D {
    const [batch, length] = tokens.shape;
    const inputs = tf.slice(tokens, [0, 0], [batch, length - 1]);
    const targets = tf.reshape(tf.slice(tokens, [0, 1], [batch, length - 1]), [batch * (length - 1)]) as tf.Tensor1D;
    let logits: tf.Tensor2D = this.logits(inputs);
    if (temperature !== 1) logits = tf.div(logits, temperature);
    // One-hot pick instead of gather: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), oneHotFloat(targets, this.config.vocabSize)), -1);
    return tf.reshape(picked, [batch, length - 1]);
  }

  /** Every parameter, in checkpoint order. */
  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}

/**
 * One-hot rows as float32. The wasm backend's oneHot writes integer bits when asked for float32
 * (tfjs 4.22), so build it as int32 and cast.
 */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D;
}

const fullMasks = new Map<number, tf.Tensor2D>();

/**
 * [T, T] additive mask hiding future positions: a slice (freed by the caller's tidy) of one mask
 * per context length, kept for the process's life. Keeping one per sequence length instead added
 * a tensor each time a longer batch first came by, so a days-long learner's tensor count crept up.
 */
export function causalMask(length: number, contextLength: number): tf.Tensor2D {
  let full = fullMasks.get(contextLength);
  if (!full || full.isDisposed) {
    const values = new Float32Array(contextLength * contextLength);
    for (let i = 0; i < contextLength; i++) for (let j = i + 1; j < contextLength; j++) values[i * contextLength + j] = MASKED;
    full = tf.keep(tf.tensor2d(values, [contextLength, contextLength]));
    fullMasks.set(contextLength, full);
  }
  return length === contextLength ? full : tf.slice(full, [0, 0], [length, length]);
}

export { MASKED };
