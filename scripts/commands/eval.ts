import { rename, writeFile } from 'node:fs/promises';
import { initBackend } from '../../src/backend.ts';
import { BACKEND_FLAG, CHECKPOINT_FLAG, JSON_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { loadPolicyAndTask } from '../../src/cli/load-policy.ts';
import { evaluateSplits } from '../../src/evaluate/accuracy.ts';

const SPEC = {
  checkpoint: CHECKPOINT_FLAG,
  splits: { type: 'string', description: 'comma-separated splits', default: 'easy,medium' },
  questions: { type: 'integer', description: 'questions per split', default: 128, min: 1 },
  samples: { type: 'integer', description: 'samples per question', default: 8, min: 1 },
  temperature: { type: 'number', description: 'sampling temperature', default: 1, min: 0 },
  'top-p': { type: 'number', description: 'nucleus sampling mass', default: 1, min: 0 },
  'max-tokens': { type: 'integer', description: 'most generated tokens per sample', default: 64, min: 1 },
  out: { type: 'string', description: 'also write the JSON report to this file (complete or not at all)' },
  seed: { type: 'integer', description: 'seed of questions, misleading starts and sampling', default: 1, min: 0 },
  'per-question': { type: 'boolean', description: 'with --json: each split’s per-question results (ids, mean reward plain and misleading, tokens)', default: false },
  backend: BACKEND_FLAG,
  json: JSON_FLAG,
} as const;

/** `saturn eval`: accuracy per split, under misleading starts, and mean response length. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('eval', argv, SPEC);
  const backend = await initBackend(flags.backend);
  const { policy, task } = await loadPolicyAndTask(flags.checkpoint);
  const splits = flags.splits.split(',').map((s) => s.trim()).filter(Boolean);
  const started = performance.now();
  const result = evaluateSplits(policy, task, { splits, questions: flags.questions, samples: flags.samples, seed: flags.seed, perQuestion: flags['per-question'] }, { temperature: flags.temperature, topP: flags['top-p'], maxTokens: flags['max-tokens'] });
  const report = { checkpoint: flags.checkpoint, backend, splits: result, seconds: +((performance.now() - started) / 1000).toFixed(1) };
  if (flags.out) {
    await writeFile(`${flags.out}.partial`, JSON.stringify(report) + '\n');
    await rename(`${flags.out}.partial`, flags.out); // a reader (replicate's cache) never sees half a file
  }
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else for (const [split, r] of Object.entries(result)) process.stdout.write(`${split}: accuracy ${r.accuracy.toFixed(3)}, misleading ${r.misleadingAccuracy?.toFixed(3) ?? '-'}, ${r.meanResponseTokens.toFixed(1)} tokens\n`);
  policy.dispose();
  return 0;
}
