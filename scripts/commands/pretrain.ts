import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BACKEND_FLAG, DEFAULT_CHECKPOINT, JSON_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { probeQuestions, saturationSummary } from '../../src/evaluate/probe.ts';
import { rootLogger } from '../../src/log.ts';
import { saveCheckpointFile } from '../../src/model/checkpoint.ts';
import { Policy } from '../../src/model/policy.ts';
import { DEFAULT_WARM_START as D, warmStartConfig } from '../../src/pretrain/config.ts';
import { warmStart } from '../../src/pretrain/warm-start.ts';
import { SaturnError } from '../../src/errors.ts';
import { checkTaskSpec, taskOf, type TaskSpec } from '../../src/run/task-spec.ts';
import { mulberry32 } from '../../src/tasks/rng.ts';

const SPEC = {
  task: { type: 'string', description: 'task to warm-start on', default: 'arithmetic' },
  'task-options': { type: 'string', description: 'the task’s options as JSON, e.g. {"path": "examples/data/arithmetic-boxed.jsonl", "testShare": 0.2}' },
  split: { type: 'string', description: 'split to saturate', default: D.easySplit },
  out: { type: 'string', description: 'checkpoint file to write', default: DEFAULT_CHECKPOINT },
  steps: { type: 'integer', description: 'optimiser steps', default: D.steps, min: 1 },
  batch: { type: 'integer', description: 'sequences per step', default: D.batchSize, min: 2 },
  lr: { type: 'number', description: 'peak learning rate', default: D.learningRate, min: 1e-7 },
  'repair-share': { type: 'number', description: 'share of traces with a repaired mistake', default: D.repairShare, min: 0, max: 1 },
  'repair-from': { type: 'number', description: 'share of the steps before repairs start', default: D.repairFromShare, min: 0, max: 1 },
  'false-alarms': { type: 'number', description: 'share of repairs that re-check a right step', default: D.falseAlarmShare, min: 0, max: 1 },
  workers: { type: 'integer', description: 'extra gradient threads (one core each)', default: D.workers, min: 0 },
  seed: { type: 'integer', description: 'seed of weights, questions and traces', default: D.seed, min: 0 },
  'check-questions': { type: 'integer', description: 'easy questions in the final saturation check', default: D.checkQuestions, min: 1 },
  'with-optimizer': { type: 'boolean', description: 'also store the Adam state (3x larger file)', default: false },
  backend: BACKEND_FLAG,
  json: JSON_FLAG,
} as const;

/** `saturn pretrain`: supervised warm start, then the saturation check, then the checkpoint. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('pretrain', argv, SPEC);
  const log = rootLogger.child({ command: 'pretrain' });
  const config = warmStartConfig({
    steps: flags.steps,
    batchSize: flags.batch,
    learningRate: flags.lr,
    repairShare: flags['repair-share'],
    repairFromShare: flags['repair-from'],
    falseAlarmShare: flags['false-alarms'],
    workers: flags.workers,
    seed: flags.seed,
    checkQuestions: flags['check-questions'],
    easySplit: flags.split,
  });
  const spec = taskSpecOf(flags.task, flags['task-options']);
  const task = taskOf(spec, '--task');
  if (!task.splits.includes(config.easySplit)) throw new SaturnError(`--split: expected one of the task's splits (${task.splits.join(', ')}), got "${config.easySplit}"`);
  // A task without the harder split (a JSONL file) trains on the one split alone.
  if (!task.splits.includes(config.mediumSplit)) config.mediumEvery = 0;
  const backend = await initBackend(flags.backend);
  const policy = new Policy({ vocabSize: task.tokenizer.vocabSize, seed: config.seed });
  log.info({ backend, task: task.name, config, model: policy.config }, 'warm start');
  const started = performance.now();
  const optimizer = await warmStart(policy, task, config, {
    backend,
    onProgress: (p) => log.info({ ...p, loss: +p.loss.toFixed(4), seconds: +p.seconds.toFixed(1), tokensPerSecond: Math.round(p.tokensPerSecond) }, 'progress'),
  });
  const trainSeconds = (performance.now() - started) / 1000;
  // Evaluation questions use a seed far from the training ones.
  const questions = task.generate(config.easySplit, config.checkQuestions, 7_000_000 + config.seed);
  const outcomes = probeQuestions(policy, task, questions, config.checkSamples, config.minCorrect, { temperature: 1, topP: 1, maxTokens: 64, rng: mulberry32(config.seed + 99) });
  const saturation = saturationSummary(outcomes, config.minCorrect);
  const saturated = saturation.atLeastMinCorrectShare >= 0.5 && saturation.saturatedWithFailureShareOfThose >= 0.1;
  await mkdir(dirname(flags.out), { recursive: true });
  const bytes = await saveCheckpointFile(flags.out, policy, flags['with-optimizer'] ? optimizer : undefined, {
    task: spec,
    steps: config.steps,
    seed: config.seed,
    warmStart: config,
    saturation,
    createdBy: 'saturn pretrain',
  });
  const summary = { out: flags.out, bytes, backend, trainSeconds: +trainSeconds.toFixed(1), totalSeconds: +((performance.now() - started) / 1000).toFixed(1), saturated, saturation };
  log.info(summary, saturated ? 'easy split saturated' : 'easy split NOT saturated');
  if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
  return saturated ? 0 : 1;
}

/** `--task` and `--task-options` as the task spec the checkpoint records (so `eval` rebuilds the task). */
function taskSpecOf(name: string, options: string | undefined): TaskSpec {
  if (options === undefined) return checkTaskSpec(name, '--task');
  let parsed: unknown;
  try {
    parsed = JSON.parse(options);
  } catch (cause) {
    throw new SaturnError(`--task-options: not valid JSON (${(cause as Error).message})`, { cause });
  }
  return checkTaskSpec({ name, options: parsed }, '--task');
}
