import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend.ts';
import { within } from '../../src/bus/close.ts';
import { decodeOrDeadLetter } from '../../src/bus/decode-or-dead-letter.ts';
import { connectBus } from '../../src/bus/connect.ts';
import { NatsServer } from '../../src/bus/nats-server.ts';
import { subscribe$ } from '../../src/bus/observable.ts';
import { setupRun } from '../../src/bus/setup.ts';
import { BACKEND_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { evaluateSplits, type SplitAccuracy } from '../../src/evaluate/accuracy.ts';
import { rootLogger } from '../../src/log.ts';
import { loadCheckpointFile } from '../../src/model/checkpoint.ts';
import type { Policy } from '../../src/model/policy.ts';
import { checkRunId } from '../../src/protocol/subjects.ts';
import { loadRunConfig, type RunConfig } from '../../src/run/config.ts';
import { RunCollector } from '../../src/run/summary.ts';
import { preflight } from '../../src/run/preflight.ts';
import type { Task } from '../../src/tasks/types.ts';
import { CHECKPOINT_OBJECT } from '../../actors/learner.ts';
import { countRequests } from './up-requests.ts';
import { StepEta, statusLine } from './up-status.ts';
import { markLive, runPaths } from '../../src/run/run-dir.ts';
import { reportRecorder } from '../../src/run/report.ts';
import { hintLines, writeRunFiles } from './up-run-files.ts';
import { keepVersions, questionStreams, saveFinal } from './up-keep.ts';

const BIN = fileURLToPath(new URL('../../bin/saturn.mjs', import.meta.url));

const SPEC = {
  ...NATS_FLAGS,
  config: { type: 'string', description: 'run config JSON (overrides of the defaults)' },
  run: { type: 'string', description: 'run id (default: run-<date>-<time>)' },
  resume: { type: 'boolean', description: 'continue the run’s learner from its checkpoint', default: false },
  'max-steps': { type: 'integer', description: 'learner steps', default: 30, min: 1 },
  actors: { type: 'integer', description: 'rollout actor processes (default: from the config)', min: 0 },
  summary: { type: 'string', description: 'write the summary JSON here' },
  dir: { type: 'string', description: 'where run logs and the embedded NATS store go', default: 'runs' },
  'skip-eval': { type: 'boolean', description: 'skip the before/after accuracy evaluation', default: false },
  'keep-every': { type: 'integer', description: 'also write every K-th published version to <dir>/<run>/weights/v<N>.ckpt (curves); 0: none', default: 0, min: 0 },
  'max-rollouts': { type: 'integer', description: 'stop the learner once the rollout actors have generated this many samples (a rollout budget)', min: 1 },
  backend: BACKEND_FLAG,
} as const;

function evaluate(policy: Policy, task: Task, config: RunConfig): Record<string, SplitAccuracy> {
  const e = config.evaluation;
  return evaluateSplits(policy, task, e, config.sampling);
}

/** Rollouts spent by the time `step` was recorded (the nearest recorded step at or before it). */
function samplesAt(byStep: Record<number, number>, step: number): number {
  for (let s = step; s >= 1; s--) if (byStep[s] !== undefined) return byStep[s]!;
  return 0;
}

/** `saturn up`: every actor of one run, live progress, and a summary at the end. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('up', argv, SPEC);
  const log = rootLogger.child({ command: 'up' });
  const config = await loadRunConfig(flags.config);
  if (flags.actors !== undefined) config.rollout.actors = flags.actors;
  const task = preflight(config);
  const runId = checkRunId(flags.run ?? `run-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`, '--run');
  const runDir = resolve(flags.dir, runId);
  await mkdir(runDir, { recursive: true });
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const paths = runPaths(flags.dir, runId);
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const server = flags.nats ? undefined : await NatsServer.start({ storeDir: join(runDir, 'nats') });
  const url = flags.nats ?? server!.url;
  if (server) await markLive(paths, url);
  const connect = connectOptions(flags, url);
  const children: Array<{ kind: string; child: ChildProcess; exit: Promise<number | null> }> = [];
  const stopAll = (signal: NodeJS.Signals) => children.forEach((c) => c.child.exitCode === null && c.child.kill(signal));
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return stopAll('SIGKILL');
    interrupted = true;
    process.stderr.write('\nstopping: actors drain, the learner checkpoints (Ctrl-C again to kill)\n');
    stopAll('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const nc = await connectBus({ ...connect, name: `up-${runId}` });
    const bus = await setupRun(nc, runId, { ackWaitMs: config.rollout.ackWaitSeconds * 1000, replicas: config.bus.replicas });
    await bus.state.put('config', JSON.stringify(config));
    const backend = await initBackend(flags.backend);
    log.info({ run: runId, nats: url, backend, config }, 'run starting');
    // The embedded server's port is picked at start, so say how to watch or join this run.
    process.stderr.write(hintLines(runId, url, !flags.nats, flags.dir));

    const e = config.evaluation;
    if (!flags['skip-eval']) say(`evaluating the starting checkpoint: ${e.questions} questions × ${e.samples} samples on ${e.splits.join(', ')}…`);
    const evalStart = performance.now();
    const before = flags['skip-eval'] ? undefined : evaluate((await loadCheckpointFile(config.checkpoint)).policy, task, config);
    // The final evaluation takes as long again: part of the time left.
    const eta = new StepEta(flags['max-steps'], (performance.now() - evalStart) / 1000);
    say('starting actors; the first step waits for the selector to probe questions and fill the prefix pool…');
    const report = reportRecorder();

    const collector = new RunCollector();
    // Rollouts spent when each learner step was recorded (from the actors' latest counters, so
    // within a heartbeat of the truth): the x axis of curves against rollouts.
    const samplesAtStep: Record<number, number> = {};
    let stoppedBy: 'max-steps' | 'max-rollouts' = 'max-steps';
    // saturn up reads every metrics subject, so it is the receiver that dead-letters malformed
    // records on them (a bad `metrics.variance` record is dead-lettered by the controller too).
    const metrics = subscribe$(nc, bus.names.subjects.allMetrics)
      .pipe(decodeOrDeadLetter('metrics.record', { js: bus.js, run: runId, actor: `up-${runId}` }))
      .subscribe(({ value }) => {
        collector.add(value);
        report.add(value);
        const samples = collector.counter('samples', 'rollout');
        if (value.name === 'learner') samplesAtStep[value.step] = samples;
        if (flags['max-rollouts'] !== undefined && samples >= flags['max-rollouts'] && stoppedBy !== 'max-rollouts') {
          stoppedBy = 'max-rollouts';
          process.stderr.write(`\nrollout budget spent (${samples} ≥ ${flags['max-rollouts']}): stopping the learner\n`);
          children.find((c) => c.kind === 'learner')?.child.kill('SIGTERM');
        }
      });
    const tty = process.stderr.isTTY;
    const ticker = setInterval(() => {
      const seconds = (performance.now() - started) / 1000;
      const line = statusLine(collector, flags['max-steps'], seconds, eta.left(collector.lastStep, seconds));
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    }, tty ? 1_000 : 15_000);

    const launch = (kind: string, extra: string[] = [], index = 0) => {
      const out = createWriteStream(join(runDir, `${kind}${index ? `-${index}` : ''}.log`), { flags: 'a' });
      const args = [BIN, 'actor', kind, '--nats', url, '--run', runId, '--backend', flags.backend, ...extra];
      for (const f of ['user', 'pass', 'token', 'creds', 'tls-ca', 'tls-cert', 'tls-key'] as const) if (flags[f]) args.push(`--${f}`, flags[f]!);
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
      const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      children.push({ kind, child, exit });
      return exit;
    };
    for (let i = 0; i < config.rollout.actors; i++) launch('rollout', [], i + 1);
    launch('selector');
    launch('controller');
    const learnerExit = await launch('learner', ['--max-steps', String(flags['max-steps']), ...(flags.resume ? ['--resume'] : [])]);
    clearInterval(ticker);
    if (tty) process.stderr.write('\n');
    say(`learner ended (exit code ${learnerExit}); stopping the actors…`);
    stopAll('SIGTERM');
    await within(Promise.all(children.map((c) => c.exit)), 20_000, undefined);
    stopAll('SIGKILL');
    await new Promise((r) => setTimeout(r, 300)); // the actors' last heartbeats
    metrics.unsubscribe();

    // Read before the embedded server stops: the run's store goes with it.
    const final = await saveFinal(bus, runDir, CHECKPOINT_OBJECT);
    const kept = await keepVersions(bus, runDir, flags['keep-every']);
    if (!flags['skip-eval'] && final) say(`evaluating the trained policy (about ${Math.round(eta.tail)} s)…`);
    const after = flags['skip-eval'] || !final ? undefined : evaluate((await loadCheckpointFile(final)).policy, task, config);
    const { requests, rollouts } = await countRequests(bus, collector);
    const summary = {
      run: runId,
      startedAt,
      nats: url,
      steps: collector.lastStep,
      learnerExitCode: learnerExit,
      interrupted,
      stoppedBy,
      seconds: +((performance.now() - started) / 1000).toFixed(1),
      refreshes: collector.refreshes,
      // What the learner trained on: `prefix` = its failure-prefix groups, `original` = its groups of
      // plain questions (probe groups, which are never trained on, are not counted here).
      groups: { original: collector.family('original'), prefix: collector.family('prefix') },
      requests,
      rollouts,
      accuracy: { before, after },
      pool: collector.latest.get('pool') ?? {},
      learner: collector.latest.get('learner') ?? {},
      logs: runDir,
      final,
      kept: kept.map((k) => ({ ...k, rollouts: samplesAt(samplesAtStep, k.step) })),
      samplesAtStep,
      questionStreams: await questionStreams(bus, config, runId),
    };
    const text = JSON.stringify(summary, null, 2);
    if (flags.summary) await writeFile(flags.summary, text + '\n');
    await writeRunFiles(paths, summary, report.records());
    say(`summary: ${paths.summary}\nreport:  ${paths.report}`);
    process.stdout.write(text + '\n');
    await nc.drain();
    return learnerExit === 0 ? 0 : 1;
  } finally {
    stopAll('SIGKILL');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server?.stop();
  }
}
