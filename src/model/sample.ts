import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.ts';
import { chooseToken } from './choose-token.ts';
import { MASKED, type LayerCache, type Policy } from './policy.ts';

/** How to sample continuations. */
export interface SamplingOptions {
  /** Softmax temperature (> 0); the reported log-probs are under this temperature. */
  temperature: number;
  /** Nucleus mass kept (0 < topP ≤ 1); 1 disables truncation. */
  topP: number;
  /** Most new tokens per sequence, the stop token included. */
  maxTokens: number;
  /** Token that ends a sequence (kept as its last token); -1 for none. */
  stopToken: number;
  /** Uniform [0, 1) source; seeded for reproducible rollouts. */
  rng: () => number;
}

/** A sampled continuation: its tokens and each one's log-probability under the sampling distribution. */
export interface Continuation {
  tokens: Int32Array;
  logProbs: Float32Array;
  /** True when it ended with the stop token, false when it hit maxTokens. */
  stopped: boolean;
}

/**
 * Samples one continuation per prompt with a KV cache: the prompts are run once (left-padded to a
 * common length, pads masked out of attention), then each new token costs one position per layer.
 */
export function sampleWithCache(policy: Policy, prompts: Int32Array[], options: SamplingOptions): Continuation[] {
  const c = policy.config;
  const batch = prompts.length;
  if (batch === 0) return [];
  check(options.temperature > 0, 'sampling.temperature', 'a number > 0', options.temperature);
  check(options.topP > 0 && options.topP <= 1, 'sampling.topP', 'a number in (0, 1]', options.topP);
  check(Number.isInteger(options.maxTokens) && options.maxTokens > 0, 'sampling.maxTokens', 'a positive integer', options.maxTokens);
  const width = Math.max(...prompts.map((p) => p.length));
  check(Math.min(...prompts.map((p) => p.length)) > 0, 'prompt', 'at least one token');
  check(width + options.maxTokens <= c.contextLength, 'sampling.maxTokens', `prompt length (${width}) + maxTokens ≤ contextLength (${c.contextLength})`, options.maxTokens);

  const pads = prompts.map((p) => width - p.length);
  const ids = new Int32Array(batch * width);
  const positions = new Int32Array(batch * width);
  const prefillMask = new Float32Array(batch * width * width);
  prompts.forEach((prompt, b) => {
    ids.set(prompt, b * width + pads[b]!);
    for (let t = 0; t < width; t++) {
      positions[b * width + t] = Math.max(0, t - pads[b]!);
      for (let k = 0; k < width; k++) {
        if (k > t || k < pads[b]!) prefillMask[(b * width + t) * width + k] = MASKED;
      }
    }
  });

  const tokens = prompts.map(() => [] as number[]);
  const logProbs = prompts.map(() => [] as number[]);
  const done = new Array<boolean>(batch).fill(false);
  const V = c.vocabSize;

  // Prefill: the prompt once; keep the cache and the last position's log-probs.
  let caches: LayerCache[] = [];
  let rows = tf.tidy(() => {
    let x = policy.embed(tf.tensor1d(ids, 'int32'), tf.tensor1d(positions, 'int32'), width);
    const mask = tf.tensor4d(prefillMask, [batch, 1, width, width]);
    const fresh: LayerCache[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const r = policy.block(l, x, batch, width, mask);
      x = r.x;
      fresh.push(r.cache);
    }
    caches = fresh.map((f) => ({ kT: tf.keep(f.kT), v: tf.keep(f.v) }));
    const last = tf.reshape(tf.slice(tf.reshape(x, [batch, width, c.dModel]), [0, width - 1, 0], [batch, 1, c.dModel]), [batch, c.dModel]);
    return tf.logSoftmax(tf.div(policy.head(last as tf.Tensor2D), options.temperature));
  });

  try {
    for (let step = 0; step < options.maxTokens; step++) {
      const lp = rows.dataSync() as Float32Array; // one small [B, V] read per step: the sampler runs in JS
      rows.dispose();
      const next = new Int32Array(batch);
      const nextPositions = new Int32Array(batch);
      for (let b = 0; b < batch; b++) {
        nextPositions[b] = Math.min(prompts[b]!.length + step, c.contextLength - 1);
        if (done[b]) continue;
        const token = chooseToken(lp, b * V, V, options.topP, options.rng);
        tokens[b]!.push(token);
        logProbs[b]!.push(lp[b * V + token]!);
        next[b] = token;
        if (token === options.stopToken) done[b] = true;
      }
      if (done.every(Boolean) || step === options.maxTokens - 1) break;
      const keys = width + step + 1;
      const mask = new Float32Array(batch * keys);
      for (let b = 0; b < batch; b++) for (let k = 0; k < pads[b]!; k++) mask[b * keys + k] = MASKED;
      const previous = caches;
      rows = tf.tidy(() => {
        let x = policy.embed(tf.tensor1d(next, 'int32'), tf.tensor1d(nextPositions, 'int32'), 1);
        const m = tf.tensor4d(mask, [batch, 1, 1, keys]);
        const fresh: LayerCache[] = [];
        for (let l = 0; l < c.nLayers; l++) {
          const r = policy.block(l, x, batch, 1, m, previous[l]);
          x = r.x;
          fresh.push(r.cache);
        }
        caches = fresh.map((f) => ({ kT: tf.keep(f.kT), v: tf.keep(f.v) }));
        return tf.logSoftmax(tf.div(policy.head(x), options.temperature));
      });
      for (const old of previous) tf.dispose([old.kT, old.v]);
    }
  } finally {
    if (!rows.isDisposed) rows.dispose();
    for (const cache of caches) tf.dispose([cache.kT, cache.v]);
  }
  return tokens.map((t, b) => ({
    tokens: Int32Array.from(t),
    logProbs: Float32Array.from(logProbs[b]!),
    stopped: done[b]!,
  }));
}

/**
 * The same sampling without a cache: the whole batch is recomputed for every new token. The
 * yardstick of `saturn bench core` and a reference in tests; prompts must share one length.
 */
export function sampleByRecompute(policy: Policy, prompts: Int32Array[], options: SamplingOptions): Continuation[] {
  const c = policy.config;
  const batch = prompts.length;
  const width = prompts[0]?.length ?? 0;
  check(prompts.every((p) => p.length === width), 'prompts', 'one common length for recompute sampling');
  check(width + options.maxTokens <= c.contextLength, 'sampling.maxTokens', `prompt length (${width}) + maxTokens ≤ contextLength (${c.contextLength})`, options.maxTokens);
  const seqs = prompts.map((p) => Array.from(p));
  const tokens = prompts.map(() => [] as number[]);
  const logProbs = prompts.map(() => [] as number[]);
  const done = new Array<boolean>(batch).fill(false);
  for (let step = 0; step < options.maxTokens && !done.every(Boolean); step++) {
    const length = width + step;
    const lp = tf.tidy(() => {
      const logits = policy.logits(tf.tensor2d(Int32Array.from(seqs.flat()), [batch, length], 'int32'));
      const last = tf.reshape(tf.slice(tf.reshape(logits, [batch, length, c.vocabSize]), [0, length - 1, 0], [batch, 1, c.vocabSize]), [batch, c.vocabSize]);
      return tf.logSoftmax(tf.div(last, options.temperature));
    });
    const rows = lp.dataSync() as Float32Array;
    lp.dispose();
    for (let b = 0; b < batch; b++) {
      // Finished rows keep a placeholder so the batch stays rectangular; it is never reported.
      const token = done[b] ? c.vocabSize - 1 : chooseToken(rows, b * c.vocabSize, c.vocabSize, options.topP, options.rng);
      seqs[b]!.push(token);
      if (done[b]) continue;
      tokens[b]!.push(token);
      logProbs[b]!.push(rows[b * c.vocabSize + token]!);
      if (token === options.stopToken) done[b] = true;
    }
  }
  return tokens.map((t, b) => ({ tokens: Int32Array.from(t), logProbs: Float32Array.from(logProbs[b]!), stopped: done[b]! }));
}
