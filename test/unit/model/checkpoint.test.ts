import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend.ts';
import { AdamW, gradientsByName } from '../../../src/model/adamw.ts';
import { loadCheckpoint, loadCheckpointFile, saveCheckpointFile, serializeCheckpoint } from '../../../src/model/checkpoint.ts';
import { policyConfig } from '../../../src/model/config.ts';
import { Policy } from '../../../src/model/policy.ts';

const small = { vocabSize: 12, dModel: 16, nLayers: 1, nHeads: 2, dFf: 32, contextLength: 16, seed: 5 };
// `body` (a checkpoint without its trailer) with a fresh SHA-256 trailer, as a writer would seal it.
const sealed = (body: Uint8Array) => Buffer.concat([body, createHash('sha256').update(body).digest()]);
const tokens = () => tf.tensor2d([1, 4, 5, 6, 7, 3, 1, 8, 9, 10, 2, 0], [2, 6], 'int32');

describe('checkpoint', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('checkpoint - weights and optimiser state survive a round trip', async () => {
    const policy = new Policy(small);
    const optimizer = new AdamW(policy, { learningRate: 0.01 });
    const { grads } = gradientsByName(policy, () => tf.neg(tf.mean(policy.tokenLogProbs(tokens()))) as tf.Scalar);
    optimizer.apply(grads);
    tf.dispose([...grads.values()]);
    const bytes = await serializeCheckpoint(policy, optimizer, { step: 1, task: 'x' });
    const loaded = loadCheckpoint(bytes);
    expect(loaded.meta).toEqual({ step: 1, task: 'x' });
    expect(loaded.optimizer!.step).toBe(1);
    const a = tf.tidy(() => policy.tokenLogProbs(tokens()).arraySync());
    const b = tf.tidy(() => loaded.policy.tokenLogProbs(tokens()).arraySync());
    expect(b).toEqual(a);
    expect(Array.from(loaded.optimizer!.second.get('h0.wq')!.dataSync())).toEqual(Array.from(optimizer.second.get('h0.wq')!.dataSync()));
  });

  it('checkpoint - the same seed gives the same initial weights', async () => {
    const a = await serializeCheckpoint(new Policy(small));
    const b = await serializeCheckpoint(new Policy(small));
    const c = await serializeCheckpoint(new Policy({ ...small, seed: 6 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('checkpoint - files are written atomically and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saturn-ckpt-'));
    const policy = new Policy(small);
    const bytes = await saveCheckpointFile(join(dir, 'p.ckpt'), policy);
    expect(bytes).toBeGreaterThan(0);
    const { policy: back } = await loadCheckpointFile(join(dir, 'p.ckpt'));
    expect(back.config).toEqual(policy.config);
  });

  it('checkpoint - a different expected config names every differing field', async () => {
    const bytes = await serializeCheckpoint(new Policy(small));
    expect(() => loadCheckpoint(bytes, { expect: policyConfig({ ...small, dModel: 32, nLayers: 2 }) })).toThrow(/model.dModel: 32 ≠ 16.*model.nLayers: 2 ≠ 1/);
  });

  it('checkpoint - malformed bytes give an error naming what is wrong', async () => {
    const bytes = await serializeCheckpoint(new Policy(small));
    expect(() => loadCheckpoint(new Uint8Array([1, 2, 3]))).toThrow(/bad magic/);
    expect(() => loadCheckpoint(bytes.slice(0, bytes.length - 8))).toThrow(/checksum mismatch/);
    expect(() => loadCheckpoint(sealed(bytes.slice(0, bytes.length - 40)))).toThrow(/truncated tensor data/);
    const dir = await mkdtemp(join(tmpdir(), 'saturn-ckpt-'));
    await writeFile(join(dir, 'bad.ckpt'), 'hello');
    await expect(loadCheckpointFile(join(dir, 'bad.ckpt'))).rejects.toThrow(/bad\.ckpt.*bad magic/);
    await expect(loadCheckpointFile(join(dir, 'missing.ckpt'))).rejects.toThrow(/missing\.ckpt.*cannot be read/);
  });

  it('checkpoint - a header with a bad config names the field', async () => {
    const bytes = await serializeCheckpoint(new Policy(small));
    const view = new DataView(bytes.buffer);
    const length = view.getUint32(12, true);
    const header = new TextDecoder().decode(bytes.subarray(16, 16 + length)).replace('"nHeads":2', '"nHeads":3');
    const patched = new Uint8Array(bytes.length);
    patched.set(bytes);
    patched.set(new TextEncoder().encode(header), 16);
    expect(() => loadCheckpoint(patched)).toThrow(/checksum mismatch/);
    expect(() => loadCheckpoint(sealed(patched.subarray(0, patched.length - 32)))).toThrow(/model.nHeads/);
  });

  it('checkpoint - one flipped bit in a tensor is refused by the checksum, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saturn-ckpt-'));
    const bytes = await serializeCheckpoint(new Policy(small));
    bytes[bytes.length - 100]! ^= 1;
    await writeFile(join(dir, 'flipped.ckpt'), bytes);
    await expect(loadCheckpointFile(join(dir, 'flipped.ckpt'))).rejects.toThrow(/flipped\.ckpt: checksum mismatch/);
  });

  it('checkpoint - format 1 (no checksum, written before it existed) still loads; the shipped checkpoint is format 2', async () => {
    const policy = new Policy(small);
    const bytes = await serializeCheckpoint(policy);
    const v1 = bytes.slice(0, bytes.length - 32);
    new DataView(v1.buffer).setUint32(8, 1, true);
    const a = tf.tidy(() => policy.tokenLogProbs(tokens()).arraySync());
    expect(tf.tidy(() => loadCheckpoint(v1).policy.tokenLogProbs(tokens()).arraySync())).toEqual(a);
    const shipped = await readFile('checkpoints/arithmetic.ckpt');
    expect(shipped.readUInt32LE(8)).toBe(2);
    const loaded = loadCheckpoint(shipped);
    expect(Buffer.from(await serializeCheckpoint(loaded.policy, loaded.optimizer, loaded.meta)).equals(shipped)).toBe(true);
  });
});

describe('policy config', () => {
  it('policy config - bad fields are named', () => {
    expect(() => policyConfig({ vocabSize: 0 })).toThrow(/model.vocabSize: expected a positive integer, got 0/);
    expect(() => policyConfig({ vocabSize: 10, dModel: 30, nHeads: 4 })).toThrow(/model.nHeads/);
    expect(() => policyConfig({ vocabSize: 10, contextLength: 1.5 })).toThrow(/model.contextLength/);
  });
});
