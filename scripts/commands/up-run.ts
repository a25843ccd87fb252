import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend.ts';
import { within } from '../../src/bus/close.ts';
import { decodeOrDeadLetter } from '../../src/bus/decode-or-dead-letter.ts';
import { connectBus } from '../../src/bus/connect.ts';
import { NatsServer, randomToken } from '../../src/bus/nats-server.ts';
import { metrics$ } from '../../src/bus/metrics.ts';
import { setupRun } from '../../src/bus/setup.ts';
import { connectOptions, secretsEnv } from '../../src/cli/nats-flags.ts';
import { childOfThisProcess } from '../../src/cli/parent-watch.ts';
import { yieldToLearner } from '../../src/cli/yield-to-learner.ts';
import { SaturnError } from '../../src/errors.ts';
import { evaluateSplits, type SplitAccuracy } from '../../src/evaluate/accuracy.ts';
import { rootLogger } from '../../src/log.ts';
import { loadCheckpointFile } from '../../src/model/checkpoint.ts';
import { loadPolicyAndTask } from '../../src/cli/load-policy.ts';
import type { Policy } from '../../src/model/policy.ts';
import type { RunConfig } from '../../src/run/config.ts';
import { RunCollector } from '../../src/run/summary.ts';
import { preflight } from '../../src/run/preflight.ts';
import type { Task } from '../../src/tasks/types.ts';
import { taskCard } from '../../src/run/task-card.ts';
import { countRequests } from './up-requests.ts';
import { StepEta, statusLine } from './up-status.ts';
import { markLive, runPaths } from '../../src/run/run-dir.ts';
import { reportRecorder } from '../../src/run/report.ts';
import { hintLines, writeRunFiles } from './up-run-files.ts';
import { keepVersions, questionStreams, saveFinal } from './up-keep.ts';
import type { UpFlags } from './up.ts';

/** Waits until `cond` holds, at most `ms`. */
const until = async (cond: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
};

const BIN = fileURLToPath(new URL('../../bin/saturn.mjs', import.meta.url));

function evaluate(policy: Policy, task: Task, config: RunConfig): Record<string, SplitAccuracy> {
  const e = config.evaluation;
  return evaluateSplits(policy, task, e, config.sampling);
}

/** Rollouts spent by the time `step` was recorded (the nearest recorded step at or before it). */
function samplesAt(byStep: Record<number, number>, step: number): number {
  for (let s = step; s >= 1; s--) if (byStep[s] !== undefined) return byStep[s]!;
  return 0;
}

/**
 * The run of `saturn up` (flags and config already checked by up.ts). The task, the backend and
 * the checkpoint are checked before NATS starts, so a bad run fails in one line and leaves
 * nothing behind; every later error path stops what was started, and the command exits.
 */
export async function runUp(flags: UpFlags, config: RunConfig, runId: string): Promise<number> {
  const log = rootLogger.child({ command: 'up' });
  const task = preflight(config);
  const backend = await initBackend(flags.backend);
  // Loaded now, before any broker or actor: a corrupt checkpoint is refused here.
  const initial = await loadPolicyAndTask(config.checkpoint);
  if (initial.task.tokenizer.vocabSize !== task.tokenizer.vocabSize) {
    initial.policy.dispose();
    throw new SaturnError(`checkpoint: ${config.checkpoint} was trained on task ${initial.task.name}, the config's task is ${task.name}`);
  }
  const runDir = resolve(flags.dir, runId);
  await mkdir(runDir, { recursive: true });
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const paths = runPaths(flags.dir, runId);
  const say = (line: string) => process.stderr.write(`${line}\n`);

  // A run's own broker admits only clients holding this run's token (--no-auth to opt out).
  const token = flags.nats || flags['no-auth'] ? undefined : randomToken();
  const server = flags.nats ? undefined : await NatsServer.start({ storeDir: join(runDir, 'nats'), token });
  const url = flags.nats ?? server!.url;
  if (server) await markLive(paths, url, token);
  const connect = connectOptions(token ? { ...flags, user: undefined, pass: undefined, token } : flags, url);
  const children: Array<{ kind: string; child: ChildProcess; exit: Promise<number | null> }> = [];
  const stopAll = (signal: NodeJS.Signals) => children.forEach((c) => c.child.exitCode === null && c.child.kill(signal));
  // Killed children are waited for (at most 5 s), so the command never returns while one is still
  // dying in its process group: farm-bench twice found processes left behind a 30-step run.
  const killAndReap = async () => {
    stopAll('SIGKILL');
    await within(Promise.all(children.map((c) => c.exit)), 5_000, undefined);
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return stopAll('SIGKILL');
    interrupted = true;
    process.stderr.write('\nstopping: actors drain, the learner checkpoints (Ctrl-C again to kill)\n');
    stopAll('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let nc: Awaited<ReturnType<typeof connectBus>> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let metrics: { unsubscribe(): void } | undefined;

  try {
    nc = await connectBus({ ...connect, name: `up-${runId}` });
    const bus = await setupRun(nc, runId, { ackWaitMs: config.rollout.ackWaitSeconds * 1000, replicas: config.bus.replicas });
    await bus.state.put(bus.names.stateKeys.config, JSON.stringify(config));
    await bus.state.put(bus.names.stateKeys.task, JSON.stringify(taskCard(task)));
    log.info({ run: runId, nats: url, auth: token ? 'token' : 'none', backend, config }, 'run starting');
    // The embedded server's port and token are picked at start, so say how to watch or join this run.
    process.stderr.write(hintLines(runId, url, !flags.nats, flags.dir, token));

    const e = config.evaluation;
    if (!flags['skip-eval']) say(`evaluating the starting checkpoint: ${e.questions} questions × ${e.samples} samples on ${e.splits.join(', ')}…`);
    const evalStart = performance.now();
    const before = flags['skip-eval'] ? undefined : evaluate(initial.policy, task, config);
    initial.policy.dispose();
    // The final evaluation takes as long again: part of the time left.
    const eta = new StepEta(flags['max-steps'], (performance.now() - evalStart) / 1000);
    const firstWait = {
      pool: 'the first step waits for the selector to probe questions and fill the prefix pool',
      saturated: 'the first step waits for the selector to find saturated questions',
      split: `the learner samples fresh ${config.learner.split || config.selector.split} questions`,
    }[config.learner.source];
    say(`starting actors; ${firstWait}…`);
    const report = reportRecorder();

    const collector = new RunCollector();
    // Rollouts spent when each learner step was recorded (from the actors' latest counters, so
    // within a heartbeat of the truth): the x axis of curves against rollouts.
    const samplesAtStep: Record<number, number> = {};
    let stoppedBy: 'max-steps' | 'max-rollouts' = 'max-steps';
    // saturn up reads every metrics subject, so it is the receiver that dead-letters malformed
    // records on them (a bad `metrics.variance` record is dead-lettered by the controller too).
    // The whole metrics stream, not only what comes from now on: after --resume the summary
    // describes the whole run (it mixed this session's counters with the whole run's results).
    let readUpTo = 0;
    metrics = (await metrics$(nc, runId, { replay: true }))
      .pipe(decodeOrDeadLetter('metrics.record', { js: bus.js, run: runId, actor: `up-${runId}` }))
      .subscribe(({ msg, value }) => {
        readUpTo = Math.max(readUpTo, msg.seq ?? 0);
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
    ticker = setInterval(() => {
      const seconds = (performance.now() - started) / 1000;
      const line = statusLine(collector, flags['max-steps'], seconds, eta.left(collector.lastStep, seconds));
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    }, tty ? 1_000 : 15_000);

    // Secrets go to the actors in their environment: a command line is visible to every local user.
    const childEnv = childOfThisProcess(secretsEnv(connect));
    let failed: string | undefined;
    let ending = false;
    let onFailure: () => void = () => undefined;
    const failure = new Promise<void>((done) => (onFailure = done));
    const launch = (kind: string, extra: string[] = [], index = 0) => {
      const name = `${kind}${index ? `-${index}` : ''}`;
      const out = createWriteStream(join(runDir, `${name}.log`), { flags: 'a' });
      const args = [BIN, 'actor', kind, '--nats', url, '--run', runId, '--backend', flags.backend, ...extra];
      for (const f of ['creds', 'tls-ca', 'tls-cert', 'tls-key'] as const) if (flags[f]) args.push(`--${f}`, flags[f]!);
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
      if (kind === 'rollout' || kind === 'selector') yieldToLearner(child.pid);
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
      const exit = new Promise<number | null>((done) =>
        child.on('exit', (code) => {
          // An actor that fails on its own (not one we stopped) ends the run: nothing would replace it.
          if (code !== 0 && code !== null && !failed && !ending && !interrupted) {
            failed = `${name} exited with code ${code} (see ${join(runDir, `${name}.log`)})`;
            onFailure();
          }
          done(code);
        }),
      );
      children.push({ kind, child, exit });
      return exit;
    };
    for (let i = 0; i < config.rollout.actors; i++) launch('rollout', [], i + 1);
    launch('selector');
    launch('controller');
    const learnerDone = launch('learner', ['--max-steps', String(flags['max-steps']), ...(flags.resume ? ['--resume'] : [])]);
    await Promise.race([learnerDone, failure]);
    ending = true;
    clearInterval(ticker);
    if (tty) process.stderr.write('\n');
    if (failed) say(`saturn up: ${failed}; stopping the run`);
    stopAll('SIGTERM');
    await within(Promise.all(children.map((c) => c.exit)), 20_000, undefined);
    await killAndReap();
    const learnerExit = await learnerDone;
    say(`learner ended (exit code ${learnerExit}); the actors are stopped`);
    // The actors' last counters are in the stream once they stopped: read up to its end.
    const last = (await bus.jsm.streams.info(bus.names.streams.metrics)).state.last_seq;
    await until(() => readUpTo >= last, 10_000);
    metrics.unsubscribe();

    // Read before the embedded server stops: the run's store goes with it.
    const final = await saveFinal(bus, runDir, bus.names.objects.checkpoint);
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
      failed,
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
    return learnerExit === 0 && !failed ? 0 : 1;
  } finally {
    clearInterval(ticker);
    metrics?.unsubscribe();
    await killAndReap();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
    await server?.stop();
  }
}
