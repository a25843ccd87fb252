// `saturn bench core`: the learning core's speed, each figure beside its yardstick measured in
// the same process: the backend's plain 2-D matmul, recomputation for KV-cache sampling, cpu for wasm.
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { initBackend } from '../src/backend.ts';
import { BACKEND_FLAG, CHECKPOINT_FLAG, JSON_FLAG } from '../src/cli/common-flags.ts';
import { parseFlags } from '../src/cli/flags.ts';
import { questionContext, sampleGroups } from '../src/evaluate/rollouts.ts';
import { grpoConfig, grpoOptimizer, grpoUpdate, type Rollout } from '../src/grpo/index.ts';
import { GradientPool } from '../src/model/gradient-pool.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { policyCost } from '../src/model/config.ts';
import type { Policy } from '../src/model/policy.ts';
import { sampleByRecompute, sampleWithCache } from '../src/model/sample.ts';
import { resolveTask } from '../src/tasks/index.ts';
import { mulberry32 } from '../src/tasks/rng.ts';
import type { Task } from '../src/tasks/types.ts';

const SPEC = {
  checkpoint: CHECKPOINT_FLAG,
  prompts: { type: 'integer', description: 'prompts per GRPO step', default: 4, min: 1 },
  group: { type: 'integer', description: 'rollouts per prompt (G)', default: 16, min: 2 },
  'sample-batch': { type: 'integer', description: 'continuations of one prompt sampled at once (samplerGflops, groupSampleTokensPerSec)', default: 16, min: 1 },
  'sampler-prompts': { type: 'integer', description: 'distinct prompts (each × group) in the packedSamplerGflops call', default: 4, min: 1 },
  'new-tokens': { type: 'integer', description: 'tokens generated per sequence', default: 64, min: 1 },
  'skip-cpu': { type: 'boolean', description: 'do not measure the cpu backend', default: false },
  backend: BACKEND_FLAG,
  json: JSON_FLAG,
} as const;

type Flags = ReturnType<typeof parseFlags<typeof SPEC>>['flags'];

/** Best of `reps` timings of `f` (after one warm-up run when `warmup`), in seconds. */
function timeIt(f: () => void, reps: number, warmup = true): number {
  if (warmup) f();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** GFLOP/s of a plain [m, k]·[k, n] matMul (the fast path the learner is written for). */
function matmulGflops(m: number, k: number, n: number): number {
  const [a, b] = [tf.randomNormal([m, k]) as tf.Tensor2D, tf.randomNormal([k, n]) as tf.Tensor2D];
  // Read outside tf.tidy: a dataSync inside a tidy scope is ~75x slower on wasm (DESIGN.md).
  const seconds = timeIt(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, 10);
  tf.dispose([a, b]);
  return (2 * m * k * n) / seconds / 1e9;
}

/** Real rollouts of the checkpoint on easy questions: the learner's actual input. */
function rollouts(policy: Policy, task: Task, prompts: number, group: number): Rollout[] {
  const questions = task.generate('easy', prompts, 4242);
  const groups = sampleGroups(policy, task, questions.map((q) => questionContext(task, q)), group, { temperature: 1, topP: 1, maxTokens: 64, rng: mulberry32(7) });
  return groups.flatMap((g, i) =>
    g.completions.map((completion, j) => ({ groupId: `g${i}`, prompt: g.context.ids, completion, behaviourLogProbs: g.logProbs[j]!, reward: g.rewards[j]!, policyVersion: 0 })),
  );
}

/**
 * Achieved GFLOP/s of GRPO updates: the best of `reps` full updates after a one-group warm-up,
 * the same best-of statistic as the matmul yardstick so their ratio is not skewed by noise.
 */
async function learnerGflops(policy: Policy, data: Rollout[], epochs: number, reps: number, pool?: GradientPool): Promise<{ gflops: number; seconds: number; tokensPerSecond: number }> {
  const config = grpoConfig({ epochs, minibatchSize: data.length });
  const optimizer = grpoOptimizer(policy, config);
  // Warm-up on one group: allocations and kernel setup.
  await grpoUpdate(policy, optimizer, data.filter((r) => r.groupId === data[0]!.groupId), config, { rng: mulberry32(1), pool });
  let best = { gflops: 0, seconds: Infinity, tokensPerSecond: 0 };
  for (let i = 0; i < reps; i++) {
    const m = await grpoUpdate(policy, optimizer, data, config, { rng: mulberry32(2 + i), pool });
    if (m.seconds < best.seconds) best = { gflops: m.flops / m.seconds / 1e9, seconds: m.seconds, tokensPerSecond: m.tokens / m.seconds };
  }
  optimizer.dispose();
  return best;
}

/** Tokens/s of sampling `batch` continuations of one prompt by recomputation (no cache): the KV sampler's yardstick. */
function recomputeRate(policy: Policy, task: Task, batch: number, newTokens: number): number {
  const [q] = task.generate('easy', 1, 99);
  const prompts = Array.from({ length: batch }, () => questionContext(task, q!).ids);
  // ~20-70x slower than the cache: one run, after the cache's runs have warmed the kernels.
  const seconds = timeIt(() => sampleByRecompute(policy, prompts, { temperature: 1, topP: 1, maxTokens: newTokens, stopToken: -1, rng: mulberry32(3) }), 1, false);
  return (batch * newTokens) / seconds;
}

/**
 * Useful GFLOP/s and tokens/s of KV-cache sampling `prompts` distinct questions × `group`
 * continuations in one call, `newTokens` each (no stop token, so every run does the same work).
 * Counted like the learner's figure (policyCost at the shapes run): one forward position per
 * generated token at its context length; the prompts' prefill is not counted. Best of `reps`.
 */
function samplerRate(policy: Policy, task: Task, prompts: number, group: number, newTokens: number, reps: number): { gflops: number; tokensPerSecond: number } {
  const questions = task.generate('easy', prompts, 99);
  const contexts = questions.flatMap((q) => Array.from({ length: group }, () => questionContext(task, q).ids));
  const seconds = timeIt(() => sampleWithCache(policy, contexts, { temperature: 1, topP: 1, maxTokens: newTokens, stopToken: -1, rng: mulberry32(5) }), reps);
  let flops = 0;
  for (const ids of contexts) for (let t = 0; t < newTokens; t++) flops += policyCost(policy.config, ids.length + t).forwardFlopsPerToken;
  return { gflops: flops / seconds / 1e9, tokensPerSecond: (contexts.length * newTokens) / seconds };
}

async function measure(flags: Flags, backend: string, bytes: Uint8Array, task: Task, light: boolean) {
  const { policy } = loadCheckpoint(bytes);
  const c = policy.config;
  // The learner's largest matmul: a minibatch of 64 sequences of ~48 positions times W1.
  const matmul = matmulGflops(64 * 48, c.dModel, c.dFf);
  const data = rollouts(policy, task, light ? 2 : flags.prompts, light ? 8 : flags.group);
  const learner = await learnerGflops(policy, data, 1, light ? 1 : 3);
  // The learner actor's default: each minibatch shared with one worker thread (learner.gradientWorkers).
  const pool = light ? undefined : await GradientPool.start(policy, 1, backend);
  const learnerTwoThreads = pool ? await learnerGflops(policy, data, 1, 3, pool).finally(() => pool.close()) : undefined;
  const newTokens = Math.min(flags['new-tokens'], c.contextLength - 16);
  const tokens = light ? 16 : newTokens;
  // The figure: one group (a request is one prompt × n samples) of `sample-batch` rows.
  const group = samplerRate(policy, task, 1, light ? 4 : flags['sample-batch'], tokens, light ? 1 : 3);
  // What a rollout actor runs when requests queue: `sampler-prompts` groups packed into one call.
  const packed = samplerRate(policy, task, light ? 1 : flags['sampler-prompts'], light ? 4 : flags.group, tokens, light ? 1 : 3);
  const recompute = light ? NaN : recomputeRate(policy, task, flags['sample-batch'], tokens);
  policy.dispose();
  return { backend, matmul, learner, learnerTwoThreads, group, packed, recompute, newTokens };
}

export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('bench core', argv, SPEC);
  const started = performance.now();
  const backend = await initBackend(flags.backend);
  const bytes = await readFile(flags.checkpoint);
  const task = resolveTask('arithmetic');
  const main = await measure(flags, backend, bytes, task, false);
  let cpu: Awaited<ReturnType<typeof measure>> | undefined;
  if (!flags['skip-cpu'] && backend !== 'cpu') cpu = await measure(flags, await initBackend('cpu'), bytes, task, true);
  const r = (x: number) => +x.toFixed(2);
  const report = {
    backend,
    matmulGflops: r(main.matmul),
    learnerGflops: r(main.learner.gflops),
    learnerShareOfMatmul: r(main.learner.gflops / main.matmul),
    learnerStepSeconds: r(main.learner.seconds),
    learnerTokensPerSec: Math.round(main.learner.tokensPerSecond),
    learnerTwoThreadsOverOne: r(main.learnerTwoThreads!.tokensPerSecond / main.learner.tokensPerSecond),
    samplerGflops: r(main.group.gflops),
    samplerShareOfMatmul: r(main.group.gflops / main.matmul),
    groupSampleTokensPerSec: Math.round(main.group.tokensPerSecond),
    packedSamplerGflops: r(main.packed.gflops),
    packedSamplerTokensPerSec: Math.round(main.packed.tokensPerSecond),
    packedRows: flags['sampler-prompts'] * flags.group,
    sampleTokensPerSecKv: Math.round(main.group.tokensPerSecond),
    sampleTokensPerSecRecompute: Math.round(main.recompute),
    kvSpeedup: r(main.group.tokensPerSecond / main.recompute),
    newTokens: main.newTokens,
    sampleBatch: flags['sample-batch'],
    ...(cpu
      ? {
          cpu: { matmulGflops: r(cpu.matmul), learnerGflops: r(cpu.learner.gflops), samplerGflops: r(cpu.group.gflops), sampleTokensPerSecKv: Math.round(cpu.group.tokensPerSecond) },
          [`${backend}OverCpu`]: { matmul: r(main.matmul / cpu.matmul), learner: r(main.learner.gflops / cpu.learner.gflops), sampling: r(main.group.tokensPerSecond / cpu.group.tokensPerSecond) },
        }
      : {}),
    seconds: r((performance.now() - started) / 1000),
  };
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  return 0;
}
