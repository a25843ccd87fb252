import { initBackend } from '../../src/backend.ts';
import { BACKEND_FLAG, CHECKPOINT_FLAG, JSON_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { loadPolicyAndTask } from '../../src/cli/load-policy.ts';
import { prefixCurve } from '../../src/evaluate/curve.ts';
import { probeQuestions, type ProbeOutcome } from '../../src/evaluate/probe.ts';
import { rootLogger } from '../../src/log.ts';
import { mulberry32 } from '../../src/tasks/rng.ts';

const SPEC = {
  checkpoint: CHECKPOINT_FLAG,
  split: { type: 'string', description: 'split to find saturated questions in', default: 'easy' },
  questions: { type: 'integer', description: 'saturated questions to measure', default: 24, min: 1 },
  'probe-samples': { type: 'integer', description: 'samples per question in the saturation probe', default: 32, min: 2 },
  'min-correct': { type: 'integer', description: 'saturated at ≥ this many correct (and ≥ 1 failure)', default: 31, min: 1 },
  samples: { type: 'integer', description: 'continuations per prefix', default: 32, min: 1 },
  'max-probe': { type: 'integer', description: 'give up after probing this many questions', default: 2048, min: 1 },
  seed: { type: 'integer', description: 'seed of questions and sampling', default: 1, min: 0 },
  detail: { type: 'boolean', description: 'include every question’s curve', default: false },
  backend: BACKEND_FLAG,
  json: JSON_FLAG,
} as const;

/** `saturn curve`: conditioned accuracy against failure-prefix length on saturated questions. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('curve', argv, SPEC);
  const log = rootLogger.child({ command: 'curve' });
  const backend = await initBackend(flags.backend);
  const { policy, task } = await loadPolicyAndTask(flags.checkpoint);
  const sampling = { temperature: 1, topP: 1, maxTokens: 64, rng: mulberry32(flags.seed) };
  const started = performance.now();
  // Probe in chunks until enough saturated questions are found (they are the rare ones).
  const saturated: ProbeOutcome[] = [];
  let probed = 0;
  while (saturated.length < flags.questions && probed < flags['max-probe']) {
    const chunk = Math.min(64, flags['max-probe'] - probed);
    const questions = task.generate(flags.split, probed + chunk, 9_000_000 + flags.seed).slice(probed);
    probed += chunk;
    saturated.push(...probeQuestions(policy, task, questions, flags['probe-samples'], flags['min-correct'], sampling).filter((o) => o.saturated));
    log.info({ probed, saturated: saturated.length }, 'probing');
  }
  const curve = prefixCurve(policy, task, saturated.slice(0, flags.questions), flags.samples, sampling);
  const { perQuestion, ...summary } = curve;
  const report = {
    ...summary,
    meanAccuracy: summary.meanAccuracy.map((a) => +a.toFixed(4)),
    probedQuestions: probed,
    saturatedFound: saturated.length,
    backend,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    ...(flags.detail ? { perQuestion } : {}),
  };
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    process.stdout.write(`${report.questions} saturated questions (${probed} probed), ${flags.samples} continuations per prefix\n`);
    report.fractions.forEach((f, i) => process.stdout.write(`  prefix ${Math.round(f * 100)}%  accuracy ${report.meanAccuracy[i]!.toFixed(3)}\n`));
    process.stdout.write(`  questions with a candidate in [${report.band.join(', ')}]: ${report.questionsWithCandidateInBand}/${report.questions}\n`);
  }
  policy.dispose();
  return report.questions > 0 ? 0 : 1;
}
