/**
 * `scripts/churn --nats URLS --run ID`: rollout actors that come and go during a live run. Starts
 * `saturn actor rollout` processes and, at random pauses, adds one or takes one away (kill -9 or
 * SIGTERM), keeping between --min and --max alive; each connects to the whole URL list, so on a
 * cluster they land on different nodes. Ctrl-C (or --seconds) stops the churn, stops the actors
 * it still has gracefully and prints what it did as JSON on stdout; actions go to stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HelpRequested, parseFlags } from '../src/cli/flags.ts';
import { NATS_FLAGS } from '../src/cli/nats-flags.ts';
import { SaturnError } from '../src/errors.ts';
import { checkRunId } from '../src/protocol/subjects.ts';
import { mulberry32 } from '../src/tasks/rng.ts';
import { RolloutChurn, type ChurnActor } from './churn-driver.ts';
import { childOfThisProcess } from '../src/cli/parent-watch.ts';

const BIN = fileURLToPath(new URL('../bin/saturn.mjs', import.meta.url));

const SPEC = {
  ...NATS_FLAGS,
  run: { type: 'string', description: 'run id' },
  min: { type: 'integer', description: 'fewest churned rollout actors alive', default: 1, min: 0 },
  max: { type: 'integer', description: 'most churned rollout actors alive', default: 3, min: 1 },
  'pause-min': { type: 'number', description: 'shortest pause between two actions, s', default: 5, min: 0 },
  'pause-max': { type: 'number', description: 'longest pause between two actions, s', default: 20, min: 0 },
  seconds: { type: 'number', description: 'stop after this long (0: at Ctrl-C)', default: 0, min: 0 },
  seed: { type: 'integer', description: 'random seed (default: the clock)' },
} as const;

async function main(argv: string[]): Promise<number> {
  const { flags } = parseFlags('churn', argv, SPEC);
  if (!flags.nats) throw new SaturnError('--nats: required (the run’s NATS URL list)');
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const run = checkRunId(flags.run, '--run');
  if (flags.min > flags.max) throw new SaturnError(`--min: expected at most --max (${flags.max}), got ${flags.min}`);
  if (flags['pause-min'] > flags['pause-max']) throw new SaturnError(`--pause-min: expected at most --pause-max (${flags['pause-max']}), got ${flags['pause-min']}`);
  const auth: string[] = [];
  for (const f of ['user', 'pass', 'token', 'creds', 'tls-ca', 'tls-cert', 'tls-key'] as const) if (flags[f]) auth.push(`--${f}`, flags[f]!);

  const spawnActor = (id: string): ChurnActor => {
    const actorId = `${id}-${process.pid}`; // unique within the run across churn invocations
    const child = spawn(process.execPath, [BIN, 'actor', 'rollout', '--nats', flags.nats!, '--run', run, '--id', actorId, ...auth], { stdio: ['ignore', 'ignore', 'inherit'], env: childOfThisProcess() });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { id: actorId, exited, kill: (signal) => void child.kill(signal) };
  };
  const churn = new RolloutChurn({
    spawn: spawnActor,
    min: flags.min,
    max: flags.max,
    pauseMs: [flags['pause-min'] * 1000, flags['pause-max'] * 1000],
    rng: mulberry32(flags.seed ?? Date.now()),
    onAction: (action, id, alive) => process.stderr.write(`${new Date().toISOString()} churn: ${action} ${id} (${alive} alive)\n`),
  });
  churn.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (flags.seconds > 0) setTimeout(resolve, flags.seconds * 1000).unref();
  });
  const tally = await churn.stop();
  const rest = [...churn.alive];
  for (const a of rest) a.kill('SIGTERM');
  const codes = await Promise.all(rest.map((a) => a.exited));
  process.stdout.write(JSON.stringify({ ...tally, stoppedAtEnd: rest.length, uncleanAtEnd: codes.filter((c) => c !== 0).length }) + '\n');
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof HelpRequested) process.stdout.write(error.message + '\n');
  else if (error instanceof SaturnError) {
    process.stderr.write(`churn: ${error.message}\n`);
    process.exitCode = 2;
  } else throw error;
}
