import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.ts';
import { chooseToken } from './choose-token.ts';
import { KvDecoder, logSoftmaxRow } from './decode.ts';
import type { Policy } from './policy.ts';

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
 * Samples one continuation per prompt with a KV cache. Each distinct prompt is run once and its
 * cache forked to every row that shares it (a group is one prompt × n samples); then each new token
 * costs one position per layer, for the rows still running only (finished rows are dropped).
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

  const V = c.vocabSize;
  const T = options.temperature;
  const tokens = prompts.map(() => [] as number[]);
  const logProbs = prompts.map(() => [] as number[]);
  const done = new Array<boolean>(batch).fill(false);
  const rowLogProbs = new Float32Array(batch * V);
  const decoder = new KvDecoder(policy, batch, width + options.maxTokens);
  try {
    // Prefill: each distinct prompt once, in the slot of its first row; then fork that cache.
    const firstRow = new Map<string, number>();
    const sharing = prompts.map((p, b) => {
      const key = p.join(',');
      if (!firstRow.has(key)) firstRow.set(key, b);
      return firstRow.get(key)!;
    });
    const leaders = [...firstRow.values()];
    const n = leaders.reduce((a, b) => a + prompts[b]!.length, 0);
    const ids = new Int32Array(n);
    const slots = new Int32Array(n);
    const positions = new Int32Array(n);
    const lastOf = new Map<number, number>();
    let k = 0;
    for (const b of leaders) {
      prompts[b]!.forEach((id, t) => {
        ids[k] = id;
        slots[k] = b;
        positions[k++] = t;
      });
      lastOf.set(b, k - 1);
    }
    const prefill = decoder.forward(ids, slots, positions, n);
    for (let b = 0; b < batch; b++) {
      const leader = sharing[b]!;
      if (leader !== b) decoder.fork(leader, b, prompts[b]!.length);
      logSoftmaxRow(prefill, lastOf.get(leader)!, V, T, rowLogProbs, b * V);
    }

    const nextIds = new Int32Array(batch);
    const nextSlots = new Int32Array(batch);
    const nextPositions = new Int32Array(batch);
    for (let step = 0; step < options.maxTokens; step++) {
      let live = 0;
      for (let b = 0; b < batch; b++) {
        if (done[b]) continue;
        const token = chooseToken(rowLogProbs, b * V, V, options.topP, options.rng);
        tokens[b]!.push(token);
        logProbs[b]!.push(rowLogProbs[b * V + token]!);
        if (token === options.stopToken) {
          done[b] = true;
          continue;
        }
        nextIds[live] = token;
        nextSlots[live] = b;
        nextPositions[live++] = prompts[b]!.length + step;
      }
      if (live === 0 || step === options.maxTokens - 1) break;
      const logits = decoder.forward(nextIds, nextSlots, nextPositions, live);
      for (let i = 0; i < live; i++) logSoftmaxRow(logits, i, V, T, rowLogProbs, nextSlots[i]! * V);
    }
  } finally {
    decoder.dispose();
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
