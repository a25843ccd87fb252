import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { AdamW } from '../../../src/model/adamw.ts';
import { serializeCheckpoint } from '../../../src/model/checkpoint.ts';
import { Policy } from '../../../src/model/policy.ts';
import { knownEngines, registerEngine, resolveEngine } from '../../../src/rollout/index.ts';
import { scoreContinuation } from '../../../src/rollout/score.ts';
import { TfjsEngine } from '../../../src/rollout/tfjs-engine.ts';
import { resolveTask } from '../../../src/tasks/index.ts';

describe('rollout engines', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('engines - tfjs is built in, unknown names list the known ones, names are not replaced', () => {
    expect(knownEngines()).toContain('tfjs');
    expect(() => resolveEngine('nope')).toThrow(/unknown rollout engine "nope"; known: .*tfjs/);
    registerEngine('test-echo', async () => ({ name: 'test-echo', policyVersion: 0, loadWeights: async () => undefined, generate: async (jobs) => jobs.map((j) => [{ tokens: j.prompt, logProbs: new Float32Array(j.prompt.length), stopped: true }]), close: async () => undefined }));
    expect(() => registerEngine('test-echo', resolveEngine('test-echo'))).toThrow(/already registered/);
  });

  it('engines - the tfjs engine answers every job with n samples, packing jobs into shared batches', async () => {
    const engine = new TfjsEngine(new Policy({ vocabSize: 18, dModel: 32, nLayers: 1, nHeads: 2, dFf: 64, contextLength: 48, seed: 1 }), 10);
    const jobs = [3, 5, 4].map((n, i) => ({ prompt: Int32Array.from([1, 4 + i, 5]), n, temperature: 1, topP: 1, maxTokens: 6, seed: i, stopToken: 2 }));
    const out = await engine.generate(jobs);
    expect(out.map((o) => o.length)).toEqual([3, 5, 4]);
    for (const samples of out) for (const s of samples) expect(s.tokens.length).toBe(s.logProbs.length);
    await engine.close();
  });

  it('engines - loading weights again and again leaves no tensor behind (a rollout actor loads every learner step)', async () => {
    const config = { vocabSize: 18, dModel: 32, nLayers: 1, nHeads: 2, dFf: 64, contextLength: 48, seed: 1 };
    const source = new Policy(config);
    const optimizer = new AdamW(source);
    const bytes = await serializeCheckpoint(source, optimizer);
    optimizer.dispose();
    source.dispose();
    const engine = new TfjsEngine(new Policy(config), 10);
    const jobs = [{ prompt: Int32Array.from([1, 4, 5]), n: 4, temperature: 1, topP: 1, maxTokens: 6, seed: 1, stopToken: 2 }];
    await engine.loadWeights(bytes, 1);
    await engine.generate(jobs);
    const before = tf.memory().numTensors;
    for (let v = 2; v < 6; v++) {
      await engine.loadWeights(bytes, v);
      await engine.generate(jobs);
    }
    expect(tf.memory().numTensors).toBe(before);
    await engine.close();
  });

  it('engines - a continuation is scored together with the forced prefix', () => {
    const task = resolveTask('arithmetic');
    const question = '12+34+56=';
    const prefix = task.tokenizer.encode('012+034=0046;');
    const prompt = Int32Array.from([1, ...task.tokenizer.encode(question), ...prefix]);
    const request = { questionId: 'q', split: 'easy', question, answer: '102', prompt, prefixLength: prefix.length };
    expect(scoreContinuation(task, request, task.tokenizer.encode('0046+056=0102;#102'))).toBe(1);
    expect(scoreContinuation(task, request, task.tokenizer.encode('0046+056=0103;#103'))).toBe(0);
  });
});
