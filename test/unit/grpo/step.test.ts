import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { groupStats, grpoConfig, grpoOptimizer, grpoUpdate, grpoUpdateFlops, packRollouts, groupRollouts, type Rollout } from '../../../src/grpo/index.ts';
import { AdamW } from '../../../src/model/adamw.ts';
import { policyConfig, policyCost } from '../../../src/model/config.ts';
import { sampleWithCache } from '../../../src/model/sample.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';
import { randomRollouts, tinyPolicy } from './fixtures.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const config = grpoConfig({ minibatchSize: 16, epochs: 2, learningRate: 1e-3 });

describe('grpo update', () => {
  it('update - tf.memory().numTensors stays flat across updates (with and without a reference)', async () => {
    const policy = tinyPolicy();
    const reference = tinyPolicy(4);
    const optimizer = grpoOptimizer(policy, config);
    const withKl = grpoConfig({ ...config, klCoef: 0.1 });
    // Other rollouts every call, so the padded lengths change (a mask cached per length once grew
    // the count each time a longer batch first came by).
    const run = async (seed: number) => {
      await grpoUpdate(policy, optimizer, randomRollouts(seed, 1 + (seed % 3), 8), config, { rng: mulberry32(seed) });
      await grpoUpdate(policy, optimizer, randomRollouts(seed + 100, 3 + (seed % 4), 8), withKl, { rng: mulberry32(seed), reference });
    };
    await run(1);
    const after = tf.memory().numTensors;
    for (let i = 2; i < 8; i++) await run(i);
    expect(tf.memory().numTensors).toBe(after);
    optimizer.dispose();
    policy.dispose();
    reference.dispose();
  });

  it('update - metrics count every rollout, zero-variance groups included', async () => {
    const policy = tinyPolicy();
    const optimizer = grpoOptimizer(policy, config);
    const rollouts = randomRollouts(2, 4, 5);
    // Group q0 all right, q1 all wrong (saturated and hopeless), q2 and q3 mixed.
    rollouts.forEach((r) => {
      if (r.groupId === 'q0') r.reward = 1;
      if (r.groupId === 'q1') r.reward = 0;
    });
    rollouts[10]!.reward = 1;
    rollouts[11]!.reward = 0;
    rollouts[15]!.reward = 1;
    rollouts[16]!.reward = 0;
    const clock = (() => {
      let t = 0;
      return () => (t += 250);
    })();
    const m = await grpoUpdate(policy, optimizer, rollouts, config, { clock });
    const groups = groupRollouts(rollouts);
    const tokens = rollouts.reduce((n, r) => n + r.completion.length, 0);
    expect(m.optimizerSteps).toBe(2 * Math.ceil(20 / 16));
    expect(optimizer.step).toBe(m.optimizerSteps);
    expect(m.groups).toBe(4);
    expect(m.zeroVarianceGroupShare).toBe(0.5);
    expect(m.tokens).toBe(tokens);
    expect(m.seconds).toBeCloseTo(0.25, 12); // one clock tick between start and end
    expect(m.tokensPerSecond).toBeCloseTo(tokens / 0.25, 9);
    expect(m.rewardMean).toBeCloseTo(rollouts.reduce((s, r) => s + r.reward, 0) / 20, 12);
    expect(m.rewardStd).toBeCloseTo(groups.reduce((s, g) => s + groupStats(g.rollouts.map((r) => r.reward)).std, 0) / 4, 12);
    expect(m.gradNorm).toBeGreaterThan(0);
    expect(m.clipFraction).toBeGreaterThanOrEqual(0);
    expect(m.clipFraction).toBeLessThanOrEqual(1);
    expect(m.approxKl).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(m.loss)).toBe(true);
    expect(m.referenceKl).toBe(0);
    // Two minibatches per epoch (16 + 4 rows); FLOPs follow their padded shapes.
    expect(m.flops).toBeGreaterThan(0);
    const shapes = [16, 4, 16, 4];
    const widths = rollouts.map((r) => r.prompt.length + r.completion.length);
    const at = (width: number) => grpoUpdateFlops(policy.config, shapes.map((rows) => ({ rows, width })));
    expect(m.flops).toBeLessThanOrEqual(at(Math.max(...widths)));
    expect(m.flops).toBeGreaterThanOrEqual(at(Math.min(...widths)));
    optimizer.dispose();
    policy.dispose();
  });

  it('update - all groups at zero variance: zero loss and zero gradient, yet every step is taken and counted', async () => {
    const policy = tinyPolicy();
    const optimizer = grpoOptimizer(policy, config);
    const rollouts = randomRollouts(3, 3, 4).map((r) => ({ ...r, reward: r.groupId === 'q1' ? 0 : 1 }));
    const m = await grpoUpdate(policy, optimizer, rollouts, config);
    expect(m.zeroVarianceGroupShare).toBe(1);
    expect(m.rewardStd).toBe(0);
    expect(m.loss).toBe(0);
    expect(m.gradNorm).toBe(0);
    expect(m.optimizerSteps).toBe(2);
    expect(m.tokens).toBe(rollouts.reduce((n, r) => n + r.completion.length, 0));
    optimizer.dispose();
    policy.dispose();
  });

  it('update - on fresh rollouts from the KV-cache sampler the first step sees ratio 1 and nothing clipped', async () => {
    const policy = tinyPolicy();
    const optimizer = grpoOptimizer(policy, config);
    const rng = mulberry32(9);
    const prompts = Array.from({ length: 12 }, (_, i) => Int32Array.from({ length: 1 + (i % 4) }, (_, t) => (t === 0 ? 1 : 3 + ((i + t) % 3))));
    const samples = sampleWithCache(policy, prompts, { temperature: 0.7, topP: 1, maxTokens: 6, stopToken: 2, rng });
    const rollouts: Rollout[] = samples.map((s, i) => ({
      groupId: `p${i % 3}`,
      prompt: prompts[i]!,
      completion: s.tokens,
      behaviourLogProbs: s.logProbs,
      reward: rng() < 0.5 ? 1 : 0,
      policyVersion: 0,
    }));
    // One epoch, one minibatch: the only step is taken before any weight moves.
    const m = await grpoUpdate(policy, optimizer, rollouts, grpoConfig({ epochs: 1, minibatchSize: 64, temperature: 0.7 }));
    expect(m.optimizerSteps).toBe(1);
    expect(m.meanRatio).toBeCloseTo(1, 4);
    expect(m.approxKl).toBeLessThan(1e-6);
    expect(m.clipFraction).toBe(0);
    optimizer.dispose();
    policy.dispose();
  });

  it('update - the same seed gives the same weights; a different shuffle seed does not', async () => {
    const rollouts = randomRollouts(4, 4, 6);
    const weights = async (seed: number) => {
      const policy = tinyPolicy();
      const optimizer = grpoOptimizer(policy, config);
      await grpoUpdate(policy, optimizer, rollouts, config, { rng: mulberry32(seed) });
      const values = Array.from(policy.p('head').dataSync());
      optimizer.dispose();
      policy.dispose();
      return values;
    };
    const a = await weights(1);
    expect(await weights(1)).toEqual(a);
    expect(await weights(2)).not.toEqual(a);
  });

  it('update - refuses bad inputs, naming what is wrong', () => {
    const policy = tinyPolicy();
    const optimizer = grpoOptimizer(policy, config);
    const rollouts = randomRollouts(5, 2, 3);
    expect(() => grpoUpdate(policy, optimizer, [], config)).toThrow(/^rollouts: expected at least one rollout/);
    expect(() => grpoUpdate(policy, optimizer, rollouts, { ...config, maxGradNorm: 5 })).toThrow(/^grpo\.maxGradNorm: /);
    expect(() => grpoUpdate(policy, optimizer, rollouts, { ...config, klCoef: 0.1 })).toThrow(/^reference: /);
    const stranger = tinyPolicy();
    const other = new AdamW(stranger, { maxGradNorm: 1 });
    expect(() => grpoUpdate(policy, other, rollouts, config)).toThrow(/^optimizer: /);
    const short = rollouts.map((r, i) => (i === 4 ? { ...r, behaviourLogProbs: r.behaviourLogProbs.slice(1) } : r));
    expect(() => grpoUpdate(policy, optimizer, short, config)).toThrow(/^rollouts\[4\]\.behaviourLogProbs: /);
    const nan = rollouts.map((r, i) => (i === 2 ? { ...r, reward: NaN } : r));
    expect(() => grpoUpdate(policy, optimizer, nan, config)).toThrow(/^rollouts\[2\]\.reward: /);
    expect(optimizer.step).toBe(0); // nothing was applied
    optimizer.dispose();
    other.dispose();
    stranger.dispose();
    policy.dispose();
  });

  it('flops - forward + backward is three forwards over the predicted positions, four with a reference', () => {
    const c = policyConfig({ vocabSize: 6, dModel: 8, nLayers: 1, nHeads: 2, dFf: 16, contextLength: 16 });
    const perToken = policyCost(c, 9).forwardFlopsPerToken;
    expect(grpoUpdateFlops(c, [{ rows: 4, width: 10 }])).toBe(3 * 4 * 9 * perToken);
    expect(grpoUpdateFlops(c, [{ rows: 4, width: 10 }], { reference: true })).toBe(4 * 4 * 9 * perToken);
    const packed = packRollouts(groupRollouts(randomRollouts(6, 2, 3)).flatMap((g) => g.rollouts));
    expect(grpoUpdateFlops(c, [packed, packed])).toBe(2 * grpoUpdateFlops(c, [packed]));
  });
});
