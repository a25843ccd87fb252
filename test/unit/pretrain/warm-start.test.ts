import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { AdamW } from '../../../src/model/adamw.ts';
import { GradientPool } from '../../../src/model/gradient-pool.ts';
import { Policy } from '../../../src/model/policy.ts';
import { packBatch, traceSequence } from '../../../src/pretrain/batch.ts';
import { warmStartConfig } from '../../../src/pretrain/config.ts';
import { learningRate } from '../../../src/pretrain/schedule.ts';
import { parallelSupervisedStep, supervisedStep } from '../../../src/pretrain/supervised-step.ts';
import { resolveTask } from '../../../src/tasks/index.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';

const task = resolveTask('arithmetic');
const small = { vocabSize: task.tokenizer.vocabSize, dModel: 32, nLayers: 1, nHeads: 2, dFf: 64, contextLength: 64, seed: 4 };
const batchOf = (seed: number) => task.generate('easy', 8, seed).map((q) => traceSequence(task, q, mulberry32(seed), 0.5, 0.5));

describe('warm start', () => {
  let pool: GradientPool | undefined;
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('warm start - a data-parallel step over a worker thread matches the one-thread step', async () => {
    const serial = new Policy(small);
    const parallel = new Policy(small);
    const [o1, o2] = [new AdamW(serial), new AdamW(parallel)];
    pool = await GradientPool.start(parallel, 1, 'wasm');
    for (let step = 0; step < 3; step++) {
      const seqs = batchOf(step);
      const a = supervisedStep(serial, o1, packBatch(seqs, 0), 1e-3);
      const b = await parallelSupervisedStep(pool, parallel, o2, [packBatch(seqs.slice(0, 4), 0), packBatch(seqs.slice(4), 0)], 1e-3);
      expect(b.loss).toBeCloseTo(a.loss, 4);
      expect(b.gradNorm).toBeCloseTo(a.gradNorm, 3);
    }
    const [wa, wb] = [serial.p('h0.w1').dataSync(), parallel.p('h0.w1').dataSync()];
    expect(Math.max(...wa.map((x, i) => Math.abs(x - wb[i]!)))).toBeLessThan(1e-5);
  });

  it('warm start - tensors stay flat across supervised steps', () => {
    const policy = new Policy(small);
    const optimizer = new AdamW(policy);
    supervisedStep(policy, optimizer, packBatch(batchOf(9), 0), 1e-3);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 4; step++) supervisedStep(policy, optimizer, packBatch(batchOf(10 + step), 0), 1e-3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('warm start - schedule warms up, holds, then decays to its floor', () => {
    const s = { peak: 1, warmupSteps: 10, totalSteps: 100, decayShare: 0.2, floor: 0.1 };
    expect(learningRate(0, s)).toBeCloseTo(0.1);
    expect(learningRate(50, s)).toBe(1);
    expect(learningRate(90, s)).toBeLessThan(1);
    expect(learningRate(100, s)).toBeCloseTo(0.1);
  });

  it('warm start - bad config names the field', () => {
    expect(() => warmStartConfig({ steps: 0 })).toThrow(/pretrain.steps/);
    expect(() => warmStartConfig({ falseAlarmShare: 2 })).toThrow(/pretrain.falseAlarmShare/);
    expect(() => warmStartConfig({ batchSize: 2, workers: 3 })).toThrow(/pretrain.batchSize/);
  });
});
