import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { Policy } from '../../../src/model/policy.ts';
import { sampleByRecompute, sampleWithCache } from '../../../src/model/sample.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';

describe('sampling', () => {
  let policy: Policy;
  beforeAll(async () => {
    await initBackend('wasm');
    policy = new Policy({ vocabSize: 18, dModel: 64, nLayers: 2, nHeads: 4, dFf: 128, contextLength: 48, seed: 3 });
  });

  it('sampling - KV-cache log-probs equal a full forward pass (ragged prompts, left padding)', () => {
    const prompts = [Int32Array.from([1, 5, 6, 7]), Int32Array.from([1, 4, 5, 6, 7, 8, 9, 10, 11]), Int32Array.from([1, 3])];
    const outs = sampleWithCache(policy, prompts, { temperature: 0.8, topP: 1, maxTokens: 24, stopToken: -1, rng: mulberry32(1) });
    let maxDiff = 0;
    outs.forEach((o, b) => {
      expect(o.tokens.length).toBe(24);
      const seq = Int32Array.from([...prompts[b]!, ...o.tokens]);
      const full = tf.tidy(() => policy.tokenLogProbs(tf.tensor2d(seq, [1, seq.length], 'int32'), 0.8).dataSync());
      for (let i = 0; i < o.tokens.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full[prompts[b]!.length - 1 + i]! - o.logProbs[i]!));
    });
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('sampling - a group sharing one prompt (prefilled once, forked) with early stops keeps exact log-probs', () => {
    // Three rows of one prompt, two of another: the forked caches and the rows dropped at their
    // stop token must not disturb anyone's log-probs against the policy's full forward pass.
    const a = Int32Array.from([1, 5, 6, 7]);
    const b = Int32Array.from([1, 9, 3, 4, 8, 8]);
    const prompts = [a, b, a, a, b];
    const outs = sampleWithCache(policy, prompts, { temperature: 1.3, topP: 1, maxTokens: 30, stopToken: 2, rng: mulberry32(11) });
    expect(outs.some((o) => o.stopped && o.tokens.length < 30)).toBe(true);
    expect(new Set(outs.map((o) => o.tokens.join(','))).size).toBeGreaterThan(1);
    let maxDiff = 0;
    outs.forEach((o, r) => {
      const seq = Int32Array.from([...prompts[r]!, ...o.tokens]);
      const full = tf.tidy(() => policy.tokenLogProbs(tf.tensor2d(seq, [1, seq.length], 'int32'), 1.3).dataSync());
      for (let i = 0; i < o.tokens.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full[prompts[r]!.length - 1 + i]! - o.logProbs[i]!));
    });
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('sampling - heads of a size the SIMD attention kernel cannot take (not a multiple of 4) use the JS loops, exactly', () => {
    const odd = new Policy({ vocabSize: 18, dModel: 18, nLayers: 1, nHeads: 3, dFf: 36, contextLength: 32, seed: 5 });
    const prompt = Int32Array.from([1, 5, 6, 7]);
    const [out] = sampleWithCache(odd, [prompt, prompt], { temperature: 1, topP: 1, maxTokens: 12, stopToken: -1, rng: mulberry32(4) });
    const seq = Int32Array.from([...prompt, ...out!.tokens]);
    const full = tf.tidy(() => odd.tokenLogProbs(tf.tensor2d(seq, [1, seq.length], 'int32')).dataSync());
    for (let i = 0; i < out!.tokens.length; i++) expect(Math.abs(full[prompt.length - 1 + i]! - out!.logProbs[i]!)).toBeLessThan(1e-4);
    odd.dispose();
  });

  it('sampling - the cache and recomputation draw the same tokens from the same seed', () => {
    const prompts = [Int32Array.from([1, 5, 6, 7]), Int32Array.from([1, 9, 9, 3])];
    const options = { temperature: 1, topP: 0.9, maxTokens: 16, stopToken: 2 };
    const kv = sampleWithCache(policy, prompts, { ...options, rng: mulberry32(9) });
    const full = sampleByRecompute(policy, prompts, { ...options, rng: mulberry32(9) });
    expect(kv.map((o) => Array.from(o.tokens))).toEqual(full.map((o) => Array.from(o.tokens)));
  });

  it('sampling - stops at the stop token and keeps it', () => {
    // The final norm's bias is all ones and the head's column for token 2 (the stop token) sums
    // it, so token 2's logit is raised by dModel whatever the input.
    tf.tidy(() => {
      policy.p('lnf.b').assign(tf.ones([64]));
      const head = policy.p('head');
      head.assign(tf.add(head, tf.tensor2d(Array.from({ length: 64 * 18 }, (_, i) => (i % 18 === 2 ? 1 : 0)), [64, 18])));
    });
    const [out] = sampleWithCache(policy, [Int32Array.from([1, 4])], { temperature: 0.01, topP: 1, maxTokens: 10, stopToken: 2, rng: mulberry32(2) });
    expect(Array.from(out!.tokens)).toEqual([2]);
    expect(out!.stopped).toBe(true);
  });

  it('sampling - bad options name the field', () => {
    const p = [Int32Array.from([1, 4])];
    expect(() => sampleWithCache(policy, p, { temperature: 0, topP: 1, maxTokens: 4, stopToken: 2, rng: Math.random })).toThrow(/sampling.temperature/);
    expect(() => sampleWithCache(policy, p, { temperature: 1, topP: 1, maxTokens: 100, stopToken: 2, rng: Math.random })).toThrow(/sampling.maxTokens/);
  });

  it('sampling - no tensor survives a sampling call', () => {
    const prompts = [Int32Array.from([1, 5, 6]), Int32Array.from([1, 5])];
    sampleWithCache(policy, prompts, { temperature: 1, topP: 1, maxTokens: 8, stopToken: -1, rng: mulberry32(3) });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) sampleWithCache(policy, prompts, { temperature: 1, topP: 1, maxTokens: 8, stopToken: -1, rng: mulberry32(i) });
    expect(tf.memory().numTensors).toBe(before);
  });
});
