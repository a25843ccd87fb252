import * as tf from '@tensorflow/tfjs-core';
import { attentionKernel } from './attention-kernel.ts';
import type { Policy } from './policy.ts';

// Incremental decoding shaped for the wasm backend. A decode step of this small policy is a few
// dozen tiny tfjs ops, and at batch 16 their dispatch (plus the batched attention matmuls, wasm's
// slow path, and a cache concat that copies the whole cache every token) cost more than the
// arithmetic. Here only the dense products go through tfjs, as plain 2-D (fused) matMuls on
// XNNPACK; embeddings, norms and residuals run in plain JS, and attention over the cache in a
// small SIMD kernel (attention-kernel.ts) whose memory holds the caches, written in place: no
// tensor outlives a call and nothing grows per token.

/** Weights of one block as the decoder uses them. */
interface BlockWeights {
  ln1g: Float32Array;
  ln1b: Float32Array;
  /** [d, 3d]: wq | wk | wv side by side, so one matMul gives all three (owned: disposed with the decoder). */
  qkv: tf.Tensor2D;
  wo: tf.Tensor2D;
  ln2g: Float32Array;
  ln2b: Float32Array;
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: Float32Array;
}

/** Float32 view of the attention kernel's memory, grown (never per token) to hold `floats`. */
function kernelFloats(floats: number): Float32Array {
  const { memory } = attentionKernel();
  const need = Math.ceil((floats * 4 - memory.buffer.byteLength) / 65_536);
  if (need > 0) memory.grow(need);
  return new Float32Array(memory.buffer);
}

/**
 * A KV-cached forward pass over a fixed set of cache slots (one per sequence), each holding up to
 * `length` positions. Tokens are fed as (id, slot, position) triples: a prefill feeds a prompt's
 * positions at once, a decode step one position per live sequence. A token attends to its slot's
 * positions 0..position, which the same call has just written for its own batch.
 */
export class KvDecoder {
  private readonly d: number;
  private readonly heads: number;
  private readonly headDim: number;
  private readonly vocab: number;
  private readonly tokEmb: Float32Array;
  private readonly posEmb: Float32Array;
  private readonly blocks: BlockWeights[];
  private readonly lnfg: Float32Array;
  private readonly lnfb: Float32Array;
  private readonly head: tf.Tensor2D;
  /**
   * The kernel's memory: per layer keys then values, each [slots, length, d], then one query row,
   * its scores [heads, length] and its mixed output row. Offsets are in floats.
   */
  private readonly heap: Float32Array;
  private readonly keysAt: number[] = [];
  private readonly valuesAt: number[] = [];
  private readonly queryAt: number;
  private readonly scoresAt: number;
  private readonly outAt: number;
  private readonly kernel = attentionKernel();
  /** The SIMD kernel reads heads 4 floats at a time; other head sizes use the JS loops. */
  private readonly simd: boolean;

  constructor(policy: Policy, slots: number, private readonly length: number) {
    const c = policy.config;
    this.d = c.dModel;
    this.heads = c.nHeads;
    this.headDim = c.dModel / c.nHeads;
    this.vocab = c.vocabSize;
    const read = (name: string) => policy.p(name).dataSync() as Float32Array;
    const mat = (name: string) => policy.p(name) as unknown as tf.Tensor2D;
    this.tokEmb = read('tok_emb');
    this.posEmb = read('pos_emb');
    this.blocks = Array.from({ length: c.nLayers }, (_, l) => {
      const p = `h${l}.`;
      return {
        ln1g: read(`${p}ln1.g`),
        ln1b: read(`${p}ln1.b`),
        qkv: tf.concat([mat(`${p}wq`), mat(`${p}wk`), mat(`${p}wv`)], 1),
        wo: mat(`${p}wo`),
        ln2g: read(`${p}ln2.g`),
        ln2b: read(`${p}ln2.b`),
        w1: mat(`${p}w1`),
        b1: policy.p(`${p}b1`) as unknown as tf.Tensor1D,
        w2: mat(`${p}w2`),
        b2: read(`${p}b2`),
      };
    });
    this.lnfg = read('lnf.g');
    this.lnfb = read('lnf.b');
    this.head = mat('head');
    const layerFloats = slots * length * this.d;
    for (let l = 0; l < c.nLayers; l++) {
      this.keysAt.push(2 * l * layerFloats);
      this.valuesAt.push((2 * l + 1) * layerFloats);
    }
    this.queryAt = 2 * c.nLayers * layerFloats;
    this.scoresAt = this.queryAt + this.d;
    this.outAt = this.scoresAt + this.heads * length;
    this.heap = kernelFloats(this.outAt + this.d);
    this.simd = this.headDim % 4 === 0;
  }

  /** Copies positions [0, count) of slot `from` into slot `to`: a shared prompt prefilled once, forked. */
  fork(from: number, to: number, count: number): void {
    const stride = this.length * this.d;
    for (const at of [...this.keysAt, ...this.valuesAt]) {
      this.heap.copyWithin(at + to * stride, at + from * stride, at + from * stride + count * this.d);
    }
  }

  /** Logits [n, V] of n tokens; writes their keys and values into the cache first. */
  forward(ids: Int32Array, slots: Int32Array, positions: Int32Array, n: number): Float32Array {
    const d = this.d;
    let x: Float32Array = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const t = ids[i]! * d;
      const p = positions[i]! * d;
      for (let j = 0; j < d; j++) x[i * d + j] = this.tokEmb[t + j]! + this.posEmb[p + j]!;
    }
    for (let l = 0; l < this.blocks.length; l++) x = this.block(l, x, slots, positions, n);
    return matMulRows(layerNorm(x, n, d, this.lnfg, this.lnfb), n, d, this.head);
  }

  private block(l: number, x: Float32Array, slots: Int32Array, positions: Int32Array, n: number): Float32Array {
    const { d, heads, headDim, length, heap } = this;
    const w = this.blocks[l]!;
    const K = this.keysAt[l]!;
    const V = this.valuesAt[l]!;
    const qkv = matMulRows(layerNorm(x, n, d, w.ln1g, w.ln1b), n, d, w.qkv);
    for (let i = 0; i < n; i++) {
      const at = (slots[i]! * length + positions[i]!) * d;
      heap.set(qkv.subarray(i * 3 * d + d, i * 3 * d + 2 * d), K + at);
      heap.set(qkv.subarray(i * 3 * d + 2 * d, i * 3 * d + 3 * d), V + at);
    }
    const mixed = new Float32Array(n * d);
    const scale = 1 / Math.sqrt(headDim);
    const { queryAt, scoresAt, outAt } = this;
    for (let i = 0; i < n; i++) {
      const base = slots[i]! * length * d;
      const keys = positions[i]! + 1;
      heap.set(qkv.subarray(i * 3 * d, i * 3 * d + d), queryAt);
      if (this.simd) this.kernel.scores(4 * queryAt, 4 * (K + base), keys, 4 * scoresAt, d, headDim, heads, length, scale);
      else scoresJs(heap, queryAt, K + base, keys, scoresAt, d, headDim, heads, length, scale);
      for (let h = 0; h < heads; h++) softmaxInPlace(heap, scoresAt + h * length, keys);
      heap.fill(0, outAt, outAt + d);
      if (this.simd) this.kernel.mix(4 * scoresAt, 4 * (V + base), keys, 4 * outAt, d, headDim, heads, length);
      else mixJs(heap, scoresAt, V + base, keys, outAt, d, headDim, heads, length);
      mixed.set(heap.subarray(outAt, outAt + d), i * d);
    }
    const attended = matMulRows(mixed, n, d, w.wo);
    for (let k = 0; k < n * d; k++) x[k] += attended[k]!;
    const normed = layerNorm(x, n, d, w.ln2g, w.ln2b);
    const mlp = mlpRows(normed, n, d, w);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] += mlp[i * d + j]! + w.b2[j]!;
    return x;
  }

  /** Releases the tensors the decoder made (the policy's own weights stay). */
  dispose(): void {
    for (const b of this.blocks) b.qkv.dispose();
  }
}

/** Softmax of heap[at .. at + count) in place. */
function softmaxInPlace(heap: Float32Array, at: number, count: number): void {
  let max = -Infinity;
  for (let j = 0; j < count; j++) max = Math.max(max, heap[at + j]!);
  let total = 0;
  for (let j = 0; j < count; j++) {
    const e = Math.exp(heap[at + j]! - max);
    heap[at + j] = e;
    total += e;
  }
  for (let j = 0; j < count; j++) heap[at + j]! /= total;
}

/** The kernel's `scores` in JS, for head sizes it cannot take (not a multiple of 4). */
function scoresJs(heap: Float32Array, q: number, k: number, keys: number, out: number, d: number, hd: number, heads: number, stride: number, scale: number): void {
  for (let j = 0; j < keys; j++) {
    for (let h = 0; h < heads; h++) {
      let s = 0;
      for (let e = 0; e < hd; e++) s += heap[q + h * hd + e]! * heap[k + j * d + h * hd + e]!;
      heap[out + h * stride + j] = s * scale;
    }
  }
}

/** The kernel's `mix` in JS. */
function mixJs(heap: Float32Array, p: number, v: number, keys: number, out: number, d: number, hd: number, heads: number, stride: number): void {
  for (let j = 0; j < keys; j++) {
    for (let h = 0; h < heads; h++) {
      const weight = heap[p + h * stride + j]!;
      for (let e = 0; e < hd; e++) heap[out + h * hd + e] += weight * heap[v + j * d + h * hd + e]!;
    }
  }
}

/** x [n, k] · w [k, m] on the backend's plain 2-D matMul, read back (outside any tidy: wasm reads inside one are slow). */
function matMulRows(x: Float32Array, n: number, k: number, w: tf.Tensor2D): Float32Array {
  const input = tf.tensor2d(x, [n, k]);
  const out = tf.matMul(input, w);
  try {
    return out.dataSync() as Float32Array;
  } finally {
    tf.dispose([input, out]);
  }
}

/** relu(x·w1 + b1)·w2 without b2: two matMuls, the first fused with its bias and activation. */
function mlpRows(x: Float32Array, n: number, d: number, w: BlockWeights): Float32Array {
  const input = tf.tensor2d(x, [n, d]);
  const hidden = tf.fused.matMul({ a: input, b: w.w1, bias: w.b1, activation: 'relu' });
  const out = tf.matMul(hidden, w.w2);
  try {
    return out.dataSync() as Float32Array;
  } finally {
    tf.dispose([input, hidden, out]);
  }
}

/** Layer norm of each row of x [n, d] (the policy's: variance of the centred values, ε = 1e-5). */
function layerNorm(x: Float32Array, n: number, d: number, gain: Float32Array, bias: Float32Array): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[row + j]!;
    mean /= d;
    let variance = 0;
    for (let j = 0; j < d; j++) {
      const c = x[row + j]! - mean;
      variance += c * c;
    }
    const inv = 1 / Math.sqrt(variance / d + 1e-5);
    for (let j = 0; j < d; j++) out[row + j] = (x[row + j]! - mean) * inv * gain[j]! + bias[j]!;
  }
  return out;
}

/** Writes log-softmax(logits[row] / temperature) into `out` at `at`. */
export function logSoftmaxRow(logits: Float32Array, row: number, vocab: number, temperature: number, out: Float32Array, at: number): void {
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[row * vocab + v]! / temperature);
  let total = 0;
  for (let v = 0; v < vocab; v++) total += Math.exp(logits[row * vocab + v]! / temperature - max);
  const lse = max + Math.log(total);
  for (let v = 0; v < vocab; v++) out[at + v] = logits[row * vocab + v]! / temperature - lse;
}
