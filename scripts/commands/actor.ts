import { closeActorContext, openActorContext, requestStop, type ActorContext } from '../../actors/context.ts';
import { runControllerActor } from '../../actors/controller.ts';
import { runLearnerActor } from '../../actors/learner.ts';
import { runRolloutActor } from '../../actors/rollout.ts';
import { runSelectorActor } from '../../actors/selector.ts';
import { initBackend } from '../../src/backend.ts';
import { connectBus } from '../../src/bus/connect.ts';
import { BACKEND_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { checkRunId } from '../../src/protocol/subjects.ts';
import { loadRunConfig, runConfig, type RunConfig } from '../../src/run/config.ts';

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
  engine: { type: 'string', description: 'rollout engine plug-in', default: 'tfjs' },
  resume: { type: 'boolean', description: 'learner: continue from the run’s checkpoint', default: false },
  'max-steps': { type: 'integer', description: 'learner: stop after this many steps', default: 30, min: 1 },
  backend: BACKEND_FLAG,
} as const;
type Flags = ReturnType<typeof parseFlags<typeof SPEC>>['flags'];

/** The config a run stored at start, if any (so every actor of a run agrees on it). */
async function storedConfig(f: Flags, run: string): Promise<RunConfig | undefined> {
  const nc = await connectBus({ ...connectOptions(f), maxReconnectAttempts: 0 });
  try {
    const { Kvm } = await import('@nats-io/kv');
    const kv = await new Kvm(nc).open(`saturn_${run}_state`);
    const e = await kv.get('config');
    return e?.operation === 'PUT' ? runConfig(JSON.parse(new TextDecoder().decode(e.value))) : undefined;
  } catch {
    return undefined;
  } finally {
    await nc.close();
  }
}

/** `saturn actor <kind>`: one actor of a run as its own process (stop with SIGINT/SIGTERM: it drains). */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('actor', argv, SPEC);
  const kind = positionals[0] as keyof typeof KINDS | undefined;
  if (!kind || !(kind in KINDS)) throw new SaturnError(`actor: expected a kind (${Object.keys(KINDS).join(', ')}), got ${JSON.stringify(kind ?? '')}`);
  if (!flags.nats) throw new SaturnError('--nats: required (the URL of the run’s NATS server)');
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const runId = checkRunId(flags.run, '--run');
  await initBackend(flags.backend);
  const config = flags.config ? await loadRunConfig(flags.config) : ((await storedConfig(flags, runId)) ?? runConfig());
  const ctx = await openActorContext({ connect: connectOptions(flags), run: runId, config, kind, id: flags.id });
  const stop = () => {
    if (ctx.stopRequested) return;
    ctx.log.info('stopping: draining');
    requestStop(ctx);
    // Last resort: work in hand finishes or is redelivered; a stop never hangs the process.
    setTimeout(() => {
      ctx.log.warn({ counters: ctx.counters }, 'stop took over 30 s; exiting');
      process.exit(0);
    }, 30_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await (await KINDS[kind](ctx, flags));
  } finally {
    await closeActorContext(ctx);
  }
  ctx.log.info({ counters: ctx.counters, deadLettered: ctx.deadLetters.total }, 'actor stopped');
  return 0;
}
