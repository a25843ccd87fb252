import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_FLAG, JSON_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { rootLogger } from '../../src/log.ts';
import { compareArms, type ArmInput, type EvalRecord, type RunRecord } from '../../src/replicate/aggregate.ts';
import { DEFAULT_ARMS, resolveArms, type Overlay } from '../../src/replicate/arms.ts';
import { chartSvg } from '../../src/replicate/chart.ts';
import { reportMarkdown, type ReportContext } from '../../src/replicate/report.ts';
import { runConfig, type RunConfig } from '../../src/run/config.ts';
import { taskOf } from '../../src/run/task-spec.ts';

const BIN = fileURLToPath(new URL('../../bin/saturn.mjs', import.meta.url));

const SPEC = {
  arms: { type: 'string', description: `comma-separated arms (default: ${DEFAULT_ARMS.join(',')})` },
  seeds: { type: 'integer', description: 'runs per trained arm', default: 3, min: 1 },
  steps: { type: 'integer', description: 'learner steps per run', default: 30, min: 1 },
  budget: { type: 'integer', description: 'also stop each run once it has generated this many rollouts (equal rollout budget)', min: 1 },
  out: { type: 'string', description: 'output directory (runs, evaluations, report.md, report.json, chart.svg); reused runs live here', default: 'runs/replicate' },
  config: { type: 'string', description: 'base run config JSON every arm’s overlay goes on top of' },
  'eval-every': { type: 'integer', description: 'keep every K-th published version and evaluate it (curves); 0: only start and end', default: 10, min: 0 },
  // 1536 × 4: on the committed checkpoint the per-question binomial variance is 0.032 (easy), 0.069
  // (medium), 0.053 (easy, misleading start); the sampling error of a paired difference is
  // sqrt(2v / (questions × samples)): 0.29, 0.42, 0.37 points. See docs/replicate.md.
  'eval-questions': { type: 'integer', description: 'questions per split of the comparison', default: 1536, min: 1 },
  'eval-samples': { type: 'integer', description: 'samples per question', default: 4, min: 1 },
  'eval-seed': { type: 'integer', description: 'evaluation seed (questions, misleading starts, sampling); 2 keeps them apart from saturn up’s own evaluation (seed 1)', default: 2, min: 0 },
  'curve-questions': { type: 'integer', description: 'questions per split for curve points (the first of the eval set)', default: 256, min: 1 },
  'eval-workers': { type: 'integer', description: 'evaluations run at once (child processes)', default: 2, min: 1 },
  backend: BACKEND_FLAG,
  json: JSON_FLAG,
} as const;

interface UpSummary {
  steps: number;
  learnerExitCode: number | null;
  /** Rollouts sampled per request kind (from the results stream), and how many the learner trained on. */
  rollouts?: { probe: number; sweep: number; train: number; other: number; total: number; trained: number };
  final?: string;
  kept?: Array<{ version: number; step: number; file: string; rollouts: number }>;
  questionStreams?: Array<{ split: string; seed: number; count: number }>;
}

/** `saturn replicate`: every arm × seed as a real `saturn up` run, then one paired evaluation of all of them, and the report. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('replicate', argv, SPEC);
  const log = rootLogger.child({ command: 'replicate' });
  const base = await readOverlay(flags.config);
  const baseConfig = runConfig(base as Parameters<typeof runConfig>[0]);
  const names = (flags.arms ?? DEFAULT_ARMS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const arms = resolveArms(names, base); // every arm's config checked before anything runs
  const out = resolve(flags.out);
  const evalOptions = { questions: flags['eval-questions'], samples: flags['eval-samples'], seed: flags['eval-seed'] };
  await mkdir(join(out, 'runs'), { recursive: true });
  log.info({ arms: names, seeds: flags.seeds, steps: flags.steps, budget: flags.budget, eval: evalOptions, out }, 'replicate starting');
  const say = (line: string) => process.stderr.write(`replicate: ${line}\n`);

  // 1. Training: each arm × seed a `saturn up` child process, reused when it finished before.
  const trained = new Map<string, Array<{ seed: number; runId: string; summary: UpSummary }>>();
  for (const arm of arms.filter((a) => a.overrides)) {
    const configFile = join(out, `config-${arm.name}.json`);
    await writeFile(configFile, JSON.stringify(arm.overrides, null, 2) + '\n');
    const runs = [];
    for (let seed = 1; seed <= flags.seeds; seed++) {
      const runId = `${arm.name}-s${seed}`;
      const runDir = join(out, 'runs', runId);
      let summary = await finishedRun(runDir);
      if (summary) say(`${runId}: reused (${summary.steps} steps)`);
      else {
        await rm(runDir, { recursive: true, force: true }); // a partial run's store would leak into the new one
        await mkdir(runDir, { recursive: true });
        say(`${runId}: training (${flags.steps} steps${flags.budget ? `, at most ${flags.budget} rollouts` : ''}), log in ${join(runDir, 'up.log')}`);
        const args = ['up', '--config', configFile, '--run', runId, '--dir', join(out, 'runs'), '--max-steps', String(flags.steps), '--skip-eval', '--summary', join(runDir, 'summary.json'), '--keep-every', String(flags['eval-every']), '--backend', flags.backend];
        if (flags.budget) args.push('--max-rollouts', String(flags.budget));
        const code = await child(args, join(runDir, 'up.log'));
        summary = await finishedRun(runDir);
        if (code !== 0 || !summary) throw new SaturnError(`arm ${arm.name}, seed ${seed}: saturn up exited with ${code}; see ${join(runDir, 'up.log')}`);
      }
      runs.push({ seed, runId, summary });
    }
    trained.set(arm.name, runs);
  }

  // 2. Evaluation: the start and every checkpoint on the same questions, samples and seed, as
  // `saturn eval` children (--eval-workers at once: the wasm backend uses one core each), each
  // result cached beside its checkpoint so a resumed replicate evaluates only what is new.
  const jobs: EvalJob[] = [];
  const job = (checkpoint: string, dir: string, questions: number) => {
    const j = evalJob(checkpoint, dir, baseConfig, { ...evalOptions, questions });
    jobs.push(j);
    return j;
  };
  const baseJob = job(baseConfig.checkpoint, out, evalOptions.questions);
  const planned = arms.map((arm) => ({
    arm,
    runs: (trained.get(arm.name) ?? []).map((r) => {
      const runDir = join(out, 'runs', r.runId);
      return { r, final: job(r.summary.final!, runDir, evalOptions.questions), curve: (r.summary.kept ?? []).filter((k) => k.step < r.summary.steps).map((k) => ({ k, job: job(k.file, runDir, flags['curve-questions']) })) };
    }),
  }));
  await runEvals(jobs, baseConfig, flags['eval-workers'], flags.backend, join(out, 'eval.log'), say);

  const task = taskOf(baseConfig.task);
  const excluded = new Set<string>();
  const inputs: ArmInput[] = [];
  for (const p of planned) {
    const runs: RunRecord[] = [];
    for (const { r, final, curve } of p.runs) {
      runs.push({
        seed: r.seed,
        runId: r.runId,
        steps: r.summary.steps,
        rollouts: r.summary.rollouts?.total ?? 0,
        rolloutsByKind: rolloutKinds(r.summary),
        final: await readEval(final),
        curve: await Promise.all(curve.map(async ({ k, job: j }) => ({ step: k.step, rollouts: k.rollouts, eval: await readEval(j) }))),
      });
      for (const s of r.summary.questionStreams ?? []) for (const q of task.generate(s.split, s.count, s.seed)) excluded.add(q.id);
    }
    inputs.push({ arm: p.arm, runs });
  }
  const baseEval = await readEval(baseJob);
  const backend = baseEval.backend;

  // 3. The report.
  const comparison = compareArms({ arms: inputs, base: baseEval, excluded, curveQuestions: flags['curve-questions'] });
  const ctx: ReportContext = { command: `saturn replicate ${argv.join(' ')}`.trim(), steps: flags.steps, budget: flags.budget, eval: { ...evalOptions, curveQuestions: flags['curve-questions'] } };
  const report = { ...ctx, backend, arms: comparison.arms, questions: comparison.questions };
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'report.md'), reportMarkdown(comparison, ctx));
  await writeFile(join(out, 'chart.svg'), chartSvg(comparison));
  say(`report: ${join(out, 'report.md')}`);
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  return 0;
}

async function readOverlay(path: string | undefined): Promise<Overlay> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new SaturnError(`--config ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SaturnError(`--config ${path}: expected a JSON object of run config overrides`);
  runConfig(parsed as Parameters<typeof runConfig>[0]); // its own errors name the field
  return parsed as Overlay;
}

/** A run's summary when the run finished (its summary and final checkpoint are there), else undefined. */
async function finishedRun(runDir: string): Promise<UpSummary | undefined> {
  const file = join(runDir, 'summary.json');
  if (!existsSync(file)) return undefined;
  const summary = JSON.parse(await readFile(file, 'utf8')) as UpSummary;
  if (summary.learnerExitCode !== 0 || !summary.final || !existsSync(summary.final)) return undefined;
  return summary;
}

/** `saturn <args>` as a child with its output in `logFile`; stops with this process. */
function child(args: string[], logFile: string): Promise<number | null> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  c.stdout!.pipe(log);
  c.stderr!.pipe(log);
  const forward = () => c.kill('SIGTERM');
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((done) =>
    c.on('exit', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      done(code);
    }),
  );
}

function rolloutKinds(s: UpSummary): Record<string, number> {
  const r = s.rollouts;
  return r ? { probe: r.probe, sweep: r.sweep, train: r.train, other: r.other, trained: r.trained } : {};
}

interface EvalJob {
  checkpoint: string;
  /** Where its result is cached: named by checkpoint, eval size, seed and splits. */
  file: string;
  questions: number;
  samples: number;
  seed: number;
}

function evalJob(checkpoint: string, dir: string, config: RunConfig, o: { questions: number; samples: number; seed: number }): EvalJob {
  const name = checkpoint.replace(/^.*\//, '').replace(/\.ckpt$/, '');
  return { checkpoint, ...o, file: join(dir, `eval-${name}-q${o.questions}-k${o.samples}-s${o.seed}-${config.evaluation.splits.join('+')}.json`) };
}

/** Runs the jobs whose result is not cached yet, `workers` at a time. */
async function runEvals(jobs: EvalJob[], config: RunConfig, workers: number, backend: string, logFile: string, say: (s: string) => void): Promise<void> {
  const pending = jobs.filter((j, i) => !existsSync(j.file) && jobs.findIndex((x) => x.file === j.file) === i);
  const next = async (): Promise<void> => {
    const j = pending.shift();
    if (!j) return;
    const started = performance.now();
    const s = config.sampling;
    const args = ['eval', '--checkpoint', j.checkpoint, '--splits', config.evaluation.splits.join(','), '--questions', String(j.questions), '--samples', String(j.samples), '--seed', String(j.seed)];
    args.push('--temperature', String(s.temperature), '--top-p', String(s.topP), '--max-tokens', String(s.maxTokens), '--per-question', '--out', j.file, '--backend', backend);
    const code = await child(args, logFile);
    if (code !== 0 || !existsSync(j.file)) throw new SaturnError(`evaluation of ${j.checkpoint} failed (exit ${code}); see ${logFile}`);
    say(`evaluated ${j.checkpoint} (${j.questions} questions) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return next();
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, next));
}

async function readEval(j: EvalJob): Promise<EvalRecord & { backend?: string }> {
  return JSON.parse(await readFile(j.file, 'utf8')) as EvalRecord & { backend?: string };
}
