import { watchParent } from '../../src/cli/parent-watch.ts';
import { closeActorContext, openActorContext, requestStop, type ActorContext } from '../../actors/context.ts';
import { runControllerActor } from '../../actors/controller.ts';
import { runLearnerActor } from '../../actors/learner.ts';
import { runRolloutActor } from '../../actors/rollout.ts';
import { runSelectorActor } from '../../actors/selector.ts';
import { initBackend } from '../../src/backend.ts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { connectPatiently } from '../../src/bus/connect.ts';
import { rootLogger } from '../../src/log.ts';
import { BACKEND_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { checkRunId, runNames } from '../../src/protocol/subjects.ts';
import { loadEngine } from '../../src/rollout/index.ts';
import { loadTaskPlugin } from '../../src/run/task-spec.ts';
import { loadRunConfig, runConfig, type DeepPartial, type RunConfig } from '../../src/run/config.ts';

const KINDS = {
  rollout: (ctx: ActorContext, f: Flags) => runRolloutActor(ctx, { engine: f.engine }),
  selector: (ctx: ActorContext) => runSelectorActor(ctx),
  learner: (ctx: ActorContext, f: Flags) => runLearnerActor(ctx, { resume: f.resume, maxSteps: f['max-steps'] }),
  controller: (ctx: ActorContext) => runControllerActor(ctx),
};

const SPEC = {
  ...NATS_FLAGS,
  run: { type: 'string', description: 'run id' },
  config: { type: 'string', description: 'run config JSON (default: the one `saturn up` stored for the run)' },
  id: { type: 'string', description: 'actor id (default: kind-host-pid)' },
  engine: { type: 'string', description: 'rollout: engine: tfjs | openai | ./path.ts | package (default: the config’s rollout.engine)' },
  resume: { type: 'boolean', description: 'learner: continue from the run’s checkpoint', default: false },
  'max-steps': { type: 'integer', description: 'learner: stop after this many steps', default: 30, min: 1 },
  backend: BACKEND_FLAG,
} as const;
type Flags = ReturnType<typeof parseFlags<typeof SPEC>>['flags'];

/**
 * The config the run stored at start, so every actor of a run agrees on it. A run with no stored
 * config, or one that does not pass the checks, is an error naming it: an actor never runs on
 * defaults its run did not choose.
 */
async function storedConfig(nc: NatsConnection, run: string): Promise<RunConfig> {
  const names = runNames(run);
  const { Kvm } = await import('@nats-io/kv');
  const { JetStreamApiError } = await import('@nats-io/jetstream');
  const { retrying } = await import('../../src/bus/retry.ts');
  // A read that times out (a loaded or electing cluster) is tried again for a minute; a bucket
  // the server says is not there is an answer, not a hiccup.
  const read = () =>
    new Kvm(nc)
      .open(names.buckets.state)
      .then((kv) => kv.get(names.stateKeys.config))
      .catch((e: unknown) => Promise.reject(e instanceof JetStreamApiError ? Object.assign(e, { retryable: false }) : e));
  let entry;
  try {
    entry = await retrying(read, { totalMs: 60_000, attemptMs: 10_000 });
  } catch (cause) {
    throw new SaturnError(`run ${run}: its state bucket ${names.buckets.state} cannot be read (${(cause as Error).message}); is the run started, and is --run right?`, { cause });
  }
  if (entry?.operation !== 'PUT') throw new SaturnError(`run ${run}: no config stored in ${names.buckets.state} (start the run with saturn up, or pass --config)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(entry.value));
  } catch (cause) {
    throw new SaturnError(`run ${run}: the stored config is not JSON (${(cause as Error).message})`, { cause });
  }
  try {
    await loadTaskPlugin((parsed as { task?: unknown } | null)?.task);
    return runConfig(parsed as DeepPartial<RunConfig>);
  } catch (cause) {
    throw new SaturnError(`run ${run}: the stored config is refused: ${(cause as Error).message}`, { cause });
  }
}

/** A connection once the broker answers: an actor started before its broker waits for it, logging. */
function waitForBroker(f: Flags, log: Logger): Promise<NatsConnection> {
  return connectPatiently({ ...connectOptions(f), maxReconnectAttempts: 0 }, (err, waitMs, attempt) =>
    log.warn({ attempt, retryInMs: waitMs, err: err.message }, 'NATS not reachable yet; waiting for it'),
  );
}

/** `saturn actor <kind>`: one actor of a run as its own process (stop with SIGINT/SIGTERM: it drains). */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('actor', argv, SPEC);
  const kind = positionals[0] as keyof typeof KINDS | undefined;
  if (!kind || !(kind in KINDS)) throw new SaturnError(`actor: expected a kind (${Object.keys(KINDS).join(', ')}), got ${JSON.stringify(kind ?? '')}`);
  if (!flags.nats) throw new SaturnError('--nats: required (the URL of the run’s NATS server)');
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const runId = checkRunId(flags.run, '--run');
  // Watched from the start: a starter can die while this actor still waits for its broker.
  let onParentGone = (parent: number): void => {
    rootLogger.warn({ parent }, 'the process that started this actor is gone; exiting');
    process.exit(0);
  };
  const unwatch = watchParent((parent) => onParentGone(parent));
  await initBackend(flags.backend);
  const log = rootLogger.child({ run: runId, actor: kind });
  const fromFile = flags.config ? await loadRunConfig(flags.config) : undefined;
  // A wrong --engine is said at once, not after the broker answers (its options need the run's config).
  if (kind === 'rollout' && flags.engine) await loadEngine(flags.engine);
  const probe = await waitForBroker(flags, log);
  const config = await (fromFile ? Promise.resolve(fromFile) : storedConfig(probe, runId)).finally(() => probe.close());
  const ctx = await openActorContext({ connect: connectOptions(flags), run: runId, config, kind, id: flags.id });
  // However the stop comes (a signal, or `saturn ctl stop`), work in hand finishes or is
  // redelivered, and a stop never hangs the process.
  ctx.stopping$.subscribe({
    complete: () =>
      setTimeout(() => {
        ctx.log.warn({ counters: ctx.counters }, 'stop took over 30 s; exiting');
        process.exit(0);
      }, 30_000).unref(),
  });
  const stop = () => {
    if (ctx.stopRequested) return;
    ctx.log.info('stopping: draining');
    requestStop(ctx);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  onParentGone = (parent) => {
    ctx.log.warn({ parent }, 'the process that started this actor is gone; stopping');
    stop();
  };
  try {
    await (await KINDS[kind](ctx, flags));
  } finally {
    unwatch();
    await closeActorContext(ctx);
  }
  ctx.log.info({ counters: ctx.counters, deadLettered: ctx.deadLetters.total }, 'actor stopped');
  return 0;
}
