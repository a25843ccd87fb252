import * as tf from '@tensorflow/tfjs-core';
import type { NatsConnection } from '@nats-io/transport-node';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { interval, Subject, takeUntil } from 'rxjs';
import { drainOrClose, within } from '../src/bus/close.ts';
import { connectBus, type BusConnectOptions } from '../src/bus/connect.ts';
import { DeadLetterCounter } from '../src/bus/dead-letter.ts';
import { toDeadLetters, type DeadLetterSink } from '../src/bus/decode-or-dead-letter.ts';
import { deadLetterExhausted$ } from '../src/bus/exhausted.ts';
import { poolChanges$, type PoolChange } from '../src/bus/pool.ts';
import type { PoolEntry } from '../src/pool/entry.ts';
import { publishCore } from '../src/bus/publish.ts';
import { MetricsOutbox } from '../src/bus/metrics-outbox.ts';
import { retrying } from '../src/bus/retry.ts';
import { setupRun, type RunBus, type SetupOptions } from '../src/bus/setup.ts';
import { encode } from '../src/protocol/codec.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { RunConfig } from '../src/run/config.ts';
import { rootLogger } from '../src/log.ts';
import { taskOf } from '../src/run/task-spec.ts';
import type { Task } from '../src/tasks/types.ts';
import { answerControl } from './control.ts';

/** Everything an actor's shell needs: the connection, the run's broker handles, config, task, logger. */
export interface ActorContext {
  readonly nc: NatsConnection;
  readonly bus: RunBus;
  readonly run: string;
  readonly config: RunConfig;
  readonly task: Task;
  readonly actorId: string;
  readonly kind: string;
  readonly log: Logger;
  readonly deadLetters: DeadLetterCounter;
  /** Emits once when the actor is asked to stop; every pipeline ends with takeUntil(stopping$). */
  readonly stopping$: Subject<void>;
  /** True once a stop was requested (loops check it; a completed Subject is not `closed` in RxJS 7). */
  stopRequested: boolean;
  /** Counters published with the heartbeat (and summed by `saturn up`). */
  readonly counters: Record<string, number>;
  /** Policy version this actor holds, for its heartbeat (-1 when none). */
  policyVersion: number;
  /**
   * Live tfjs tensors between units of work, when the actor's work awaits mid-way (the learner's
   * update waits on its gradient workers with gradients held): the heartbeat reports this instead
   * of the count at its own moment, so a flat count means no leak rather than no update in flight.
   */
  tensorsAtRest?: number;
  inFlight: number;
  /** Work started by a pipeline that a stop must let finish (see {@link finishBeforeStop}). */
  readonly unfinished: Set<Promise<unknown>>;
  /** Metrics waiting for the stream to store them (they survive a broker outage). */
  readonly metrics: MetricsOutbox;
}

export interface ActorStart {
  connect: BusConnectOptions;
  run: string;
  config: RunConfig;
  kind: string;
  id?: string;
  setup?: SetupOptions;
}

/** Connects, makes sure the run's streams and buckets exist, and starts the heartbeat. */
export async function openActorContext(o: ActorStart): Promise<ActorContext> {
  // Actor ids become KV key tokens: keep them to [A-Za-z0-9_-].
  const actorId = (o.id ?? `${o.kind}-${hostname()}-${process.pid}`).replace(/[^A-Za-z0-9_-]/g, '-');
  const nc = await connectBus({ ...o.connect, name: actorId });
  const bus = await setupRun(nc, o.run, { ackWaitMs: o.config.rollout.ackWaitSeconds * 1000, replicas: o.config.bus.replicas, ...o.setup });
  const log = rootLogger.child({ run: o.run, actor: o.kind, id: actorId });
  const ctx: ActorContext = {
    nc,
    bus,
    run: o.run,
    config: o.config,
    task: taskOf(o.config.task),
    actorId,
    kind: o.kind,
    log,
    deadLetters: new DeadLetterCounter(),
    stopping$: new Subject<void>(),
    stopRequested: false,
    counters: {},
    policyVersion: -1,
    inFlight: 0,
    unfinished: new Set(),
    metrics: new MetricsOutbox(bus.js, { onRetry: (err, waiting) => log.warn({ err, waiting }, 'metrics wait for the broker') }),
  };
  interval(o.config.heartbeatSeconds * 1000)
    .pipe(takeUntil(ctx.stopping$))
    .subscribe(() => void heartbeat(ctx).catch((e) => ctx.log.debug({ err: e }, 'heartbeat failed')));
  watchExhausted(ctx);
  answerControl(ctx);
  return ctx;
}

/**
 * Every actor runs the max-deliver watcher (protocol.md §5), so it runs in every run however the
 * actors are spread over processes and machines. Several watchers are harmless: each exhausted
 * message gets one dead letter (its id is derived from subject and sequence) and one deletion.
 */
function watchExhausted(ctx: ActorContext): void {
  const { nc, bus } = ctx;
  deadLetterExhausted$({ nc, js: bus.js, jsm: bus.jsm, names: bus.names, actor: ctx.actorId, counter: ctx.deadLetters })
    .pipe(takeUntil(ctx.stopping$))
    .subscribe({
      // Every watcher hears of it; the one whose dead letter was stored says so.
      next: (e) => e.stored && ctx.log.warn(e, 'message not acked after max_deliver deliveries: dead-lettered'),
      error: (e) => ctx.log.error({ err: e }, 'max-deliver watcher failed'),
    });
}

/**
 * Where this actor's dead letters go: the run's dead subject, as this actor, counted in its
 * counter. The first dead letter of each cause is logged at warn, then one in a hundred (a flood
 * of bad input must not flood the log; the counters have every one).
 */
export function deadLetterSink(ctx: ActorContext): DeadLetterSink {
  return {
    js: ctx.bus.js,
    run: ctx.run,
    actor: ctx.actorId,
    counter: ctx.deadLetters,
    onCounted: (cause, n, reason) => {
      if (n === 1 || n % 100 === 0) ctx.log.warn({ cause, count: n, reason }, 'dead-lettered');
    },
    onError: (err, msg) => ctx.log.warn({ err, subject: msg.subject }, 'could not dead-letter a bad message'),
    onWatchError: (err) => ctx.log.warn({ err }, 'pool watch failed; reopening it'),
  };
}

/**
 * A live mirror of the prefix pool, by KV key, until the actor stops: every entry validated,
 * malformed ones dead-lettered with their key (and absent from the mirror). `onChange` sees each
 * change after the mirror has it.
 */
export function watchPool(ctx: ActorContext, onChange?: (change: PoolChange) => void): Map<string, PoolEntry> {
  const pool = new Map<string, PoolEntry>();
  poolChanges$(ctx.bus.pool, deadLetterSink(ctx))
    .pipe(takeUntil(ctx.stopping$))
    .subscribe({
      next: (change) => {
        if (change.entry) pool.set(change.key, change.entry);
        else pool.delete(change.key);
        onChange?.(change);
      },
      error: (e) => ctx.log.error({ err: e }, 'pool watch failed'),
    });
  return pool;
}

/**
 * Memory gauges for `scripts/soak`: resident set, V8 heap, and live tfjs tensors (read from the
 * engine's bookkeeping, which does not start a backend in actors that never use one).
 */
function memoryGauges(ctx: ActorContext): Record<string, number> {
  const m = process.memoryUsage();
  const state = tf.engine().state;
  return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20, tfTensors: ctx.tensorsAtRest ?? state.numTensors, tfMb: state.numBytes / 2 ** 20 };
}

/** Writes the heartbeat to the state KV and publishes the actor's counters on `metrics.actor.<kind>`. */
export async function heartbeat(ctx: ActorContext): Promise<void> {
  const handled = ctx.counters.handled ?? 0;
  const beat = {
    ...envelope('heartbeat'),
    actorId: ctx.actorId,
    kind: ctx.kind,
    pid: process.pid,
    host: hostname(),
    policyVersion: ctx.policyVersion,
    inFlight: ctx.inFlight,
    handled,
  } as const;
  // Counters first: they are queued in the outbox, which a stop flushes, while the KV write can
  // take seconds on a busy broker and the stop does not wait for it without bound. The run's
  // ledger reads these counters; a final record lost behind a slow write showed one request
  // nobody reported sending.
  const deadByCause = Object.fromEntries(Object.entries(ctx.deadLetters.byCause()).map(([cause, n]) => [`deadLettered.${cause}`, n]));
  publishMetrics(ctx, `actor.${ctx.kind}`, 0, { ...ctx.counters, ...deadByCause, deadLettered: ctx.deadLetters.total, policyVersion: ctx.policyVersion, ...memoryGauges(ctx) });
  await ctx.bus.state.put(ctx.bus.names.stateKeys.heartbeat(ctx.actorId), encode(beat));
}

/**
 * Logs that the actor is ready and beats at once rather than a heartbeat period later. Call it
 * after the actor's subscriptions are made: the heartbeat's KV write leaves on the same connection
 * after them, so once it is visible the server routes the actor's core subjects to it, and
 * whoever waits for the heartbeat may publish to them without losing a message.
 */
export function announceReady(ctx: ActorContext, details: Record<string, unknown>): void {
  ctx.log.info(details, `${ctx.kind} ready`);
  void heartbeat(ctx).catch((e) => ctx.log.debug({ err: e }, 'heartbeat failed'));
}

const warnedMetrics = new Set<string>();

/**
 * Publishes a metrics record on `saturn.<run>.metrics.<name>` through the actor's outbox (stored by
 * the metrics stream, retried through a broker outage). `step` is the learner step the values
 * belong to, 0 for values not tied to one. `id`, when given, is the record's dedup id: a record
 * sent again under it (a resumed learner re-sending its last step's) is stored once. `actorPid`
 * is this process unless `values` names the process that produced them.
 */
export function publishMetrics(ctx: ActorContext, name: string, step: number, values: Record<string, number>, id?: string): void {
  try {
    ctx.metrics.push(ctx.bus.names.subjects.metrics(name), { ...envelope('metrics.record', id), name, step, values: { actorPid: process.pid, ...values } });
  } catch (e) {
    // A record that fails validation is a bug here, not bad input: say so once per metric.
    if (!warnedMetrics.has(name)) ctx.log.warn({ err: e, name }, 'metrics record not published');
    warnedMetrics.add(name);
  }
}

/**
 * Quarantines a core-NATS message that failed to decode or validate (control, metrics, weight
 * announcements): stored on the dead stream with its reason and counted; the actor goes on.
 */
export async function quarantine(ctx: ActorContext, subject: string, raw: Uint8Array, reason: string): Promise<void> {
  await toDeadLetters(deadLetterSink(ctx), { reason, subject, raw }).catch((e) => ctx.log.warn({ err: e, subject, reason }, 'could not dead-letter a malformed message'));
}

/**
 * `retrying` with the actor's logger: publishes and KV writes survive a broker restart or outage
 * however long it lasts (an actor never exits on its own because the broker is away). Once the
 * actor is stopping, a write gets 15 s more, so a stop never hangs on a broker that is gone.
 */
export function durably<T>(ctx: ActorContext, what: string, attempt: () => Promise<T>): Promise<T> {
  let stopSeen: number | undefined;
  const giveUp = () => {
    if (!ctx.stopRequested) return false;
    stopSeen ??= Date.now();
    return Date.now() - stopSeen > 15_000;
  };
  return retrying(attempt, { totalMs: Infinity, giveUp, onRetry: (e, tries) => tries % 5 === 1 && ctx.log.warn({ err: e, what, tries }, 'retrying') });
}

/** Adds `by` to a named counter. */
export function count(ctx: ActorContext, name: string, by = 1): void {
  ctx.counters[name] = (ctx.counters[name] ?? 0) + by;
}

/** Asks every pipeline and loop of the actor to stop (idempotent). */
export function requestStop(ctx: ActorContext): void {
  if (ctx.stopRequested) return;
  ctx.stopRequested = true;
  ctx.stopping$.next();
  ctx.stopping$.complete();
}

/**
 * Marks `work` as something a stop waits for (bounded) before the actor's final heartbeat.
 * For work a pipeline starts from a timer or a subscription whose `takeUntil` does not wait for it.
 */
export function finishBeforeStop<T>(ctx: ActorContext, work: Promise<T>): Promise<T> {
  ctx.unfinished.add(work);
  const forget = () => ctx.unfinished.delete(work);
  work.then(forget, forget);
  return work;
}

export async function closeActorContext(ctx: ActorContext): Promise<void> {
  requestStop(ctx);
  // A publish in flight when the stop came counts itself after it lands: the final heartbeat
  // must come after it, or the run's ledger shows a request nobody reported sending.
  await within(Promise.allSettled([...ctx.unfinished]), 10_000, undefined);
  await within(heartbeat(ctx).catch(() => undefined), 5_000, undefined);
  if (!(await ctx.metrics.flush(10_000))) ctx.log.warn({ waiting: ctx.metrics.waiting }, 'metrics not all stored before the stop');
  ctx.metrics.close();
  if (!(await drainOrClose(ctx.nc))) ctx.log.warn('drain timed out; connection closed');
}
