import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { grpoConfig, grpoOptimizer, grpoUpdate } from '../../../src/grpo/index.ts';
import { GradientPool } from '../../../src/model/gradient-pool.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';
import { randomRollouts, tinyPolicy } from './fixtures.ts';

const config = grpoConfig({ minibatchSize: 16, epochs: 2, learningRate: 1e-3 });

describe('grpo update over worker threads', () => {
  let pool: GradientPool | undefined;
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('update - sharing each minibatch with a worker thread gives the one-thread update: weights and metrics', async () => {
    const serial = tinyPolicy(5);
    const parallel = tinyPolicy(5);
    const [o1, o2] = [grpoOptimizer(serial, config), grpoOptimizer(parallel, config)];
    pool = await GradientPool.start(parallel, 1, 'wasm');
    for (let seed = 1; seed <= 3; seed++) {
      // Rollouts of unequal lengths, so the shards differ in width and token count.
      const rollouts = randomRollouts(seed, 4, 6);
      const a = await grpoUpdate(serial, o1, rollouts, config, { rng: mulberry32(seed) });
      const b = await grpoUpdate(parallel, o2, rollouts, config, { rng: mulberry32(seed), pool });
      for (const k of ['loss', 'gradNorm', 'clipFraction', 'approxKl', 'meanRatio'] as const) expect(b[k], k).toBeCloseTo(a[k], 5);
      expect(b.optimizerSteps).toBe(a.optimizerSteps);
      expect(b.tokens).toBe(a.tokens);
    }
    const [wa, wb] = [serial.p('head').dataSync(), parallel.p('head').dataSync()];
    expect(Math.max(...wa.map((x, i) => Math.abs(x - wb[i]!)))).toBeLessThan(1e-5);
    expect(Math.max(...wa.map((x, i) => Math.abs(x - tinyPolicy(5).p('head').dataSync()[i]!)))).toBeGreaterThan(1e-4); // they did move

    // Tensors stay flat across sharded updates.
    const before = tf.memory().numTensors;
    for (let seed = 4; seed < 8; seed++) await grpoUpdate(parallel, o2, randomRollouts(seed, 1 + (seed % 3), 8), config, { rng: mulberry32(seed), pool });
    expect(tf.memory().numTensors).toBe(before);
    o1.dispose();
    o2.dispose();
    serial.dispose();
    parallel.dispose();
  });
});
