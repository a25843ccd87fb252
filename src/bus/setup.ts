/**
 * Everything a run needs on the broker — streams, durable consumers, KV buckets and the weights
 * object store — created idempotently at start. Every actor may call {@link setupRun}; the
 * first creates, the rest find the same config and change nothing.
 *
 * Only nats-server 2.9 features are used (no `filter_subjects`, compression, metadata, consumer
 * pause or per-message TTL), so Debian's 2.9.10 serves a run.
 *
 * On a cluster every resource is replicated (`replicas`, the run config's `bus.replicas`): a
 * replica count the cluster cannot place is a {@link ConfigError} naming `bus.replicas`, and a
 * step that times out because a node just died (its streams are electing new leaders) is tried
 * again for up to {@link SETUP_PATIENCE_MS}, so an actor started during a node's outage still
 * comes up.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ROLLOUT_KINDS, runNames, type RolloutKind, type RunNames } from '../protocol/subjects.ts';
import { ConfigError, SaturnError } from '../errors.ts';
import { ensureConsumer, ensureStream } from './ensure.ts';
import { BusSetupError } from './errors.ts';

/** Who reads which results, by default: one durable consumer per (kind, role). */
export const DEFAULT_RESULT_CONSUMERS: readonly ResultConsumer[] = Object.freeze([
  { kind: 'probe', role: 'selector' },
  { kind: 'sweep', role: 'selector' },
  { kind: 'train', role: 'learner' },
  // The selector folds every training group into its prefix's p̂ (a fresh sample of it).
  { kind: 'train', role: 'selector' },
  // The learner also trains on the informative probe and sweep groups (learner.harvestPerStep).
  { kind: 'probe', role: 'learner' },
  { kind: 'sweep', role: 'learner' },
]);

/** A durable consumer of the results of `kind` for actor role `role`. */
export interface ResultConsumer {
  readonly kind: RolloutKind;
  readonly role: string;
}

/** Knobs of a run's broker resources; every field but `replicas` (decided by the server) has a default in {@link SETUP_DEFAULTS}. */
export interface SetupOptions {
  /** How long a consumer waits for an ack before redelivering, ms. Tests use ~1 s. */
  ackWaitMs?: number;
  /** Deliveries of one message before the server stops redelivering it. */
  maxDeliver?: number;
  /** Unacked messages one consumer may have out: the backpressure bound of every actor. */
  maxAckPending?: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped as a duplicate, ms. */
  duplicateWindowMs?: number;
  /** How long results are kept for replay, ms. */
  resultsMaxAgeMs?: number;
  /** How long metrics are kept for late dashboards, ms. */
  metricsMaxAgeMs?: number;
  /** How long dead letters are kept, ms. */
  deadMaxAgeMs?: number;
  /** Byte cap of each limits stream (results, metrics, dead); oldest messages go first. */
  streamMaxBytes?: number;
  /** Versions kept per key in the prefix pool bucket. */
  poolHistory?: number;
  /** `file` survives a broker restart; `memory` is only for throwaway runs. */
  storage?: 'file' | 'memory';
  /**
   * Replicas of every stream, KV bucket and object store. Absent or 0: 1 when the server is not
   * part of a cluster (its INFO names no cluster), else 3, the usual quorum of a JetStream cluster.
   */
  replicas?: number;
  /** Result consumers to create. */
  resultConsumers?: readonly ResultConsumer[];
}

/** Defaults of {@link SetupOptions}. */
export const SETUP_DEFAULTS = Object.freeze({
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 256,
  duplicateWindowMs: 2 * 60_000,
  resultsMaxAgeMs: 7 * 24 * 3600_000,
  metricsMaxAgeMs: 7 * 24 * 3600_000,
  deadMaxAgeMs: 30 * 24 * 3600_000,
  streamMaxBytes: 1024 ** 3,
  poolHistory: 5,
  storage: 'file' as 'file' | 'memory',
  resultConsumers: DEFAULT_RESULT_CONSUMERS,
});

/** How long one setup step is retried while it times out (a stream electing a leader after a node died). */
export const SETUP_PATIENCE_MS = 60_000;

/** The replicas a run gets when none are asked for: 1 on a single server, 3 on a cluster. */
export function defaultReplicas(nc: NatsConnection): number {
  return nc.info?.cluster ? 3 : 1;
}

/** Handles on a run's broker resources, ready to use. */
export interface RunBus {
  readonly names: RunNames;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Prefix pool KV. */
  readonly pool: KV;
  /** Run state KV: config, heartbeats, latest weights. */
  readonly state: KV;
  /** Weights and checkpoints. */
  readonly weights: ObjectStore;
}

/** Creates (or finds) every stream, consumer, bucket and object store of run `run`. */
export async function setupRun(nc: NatsConnection, run: string, options: SetupOptions = {}): Promise<RunBus> {
  const o = { ...SETUP_DEFAULTS, ...options };
  const replicas = options.replicas || defaultReplicas(nc);
  if (replicas > 1 && !nc.info?.cluster) throw replicasError(nc, replicas, 'the server is not part of a cluster');
  const names = runNames(run);
  const step = <T>(attempt: () => Promise<T>) => patiently(nc, replicas, attempt);
  const jsm = await step(() =>
    jetstreamManager(nc).catch((err) => {
      // No responders: JetStream is off. A timeout: a cluster still (re-)electing its leader.
      const retryable = (err as Error).name === 'TimeoutError';
      throw new BusSetupError('JetStream', `not available (is the server started with -js?): ${err}`, { cause: err, retryable });
    }),
  );
  const js = jsm.jetstream();
  const storage = o.storage === 'memory' ? StorageType.Memory : StorageType.File;
  const common = { storage, num_replicas: replicas, duplicate_window: nanos(o.duplicateWindowMs) };
  const limits = (maxAgeMs: number) => ({
    ...common,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(maxAgeMs),
    max_bytes: o.streamMaxBytes,
  });

  await step(() =>
    ensureStream(jsm, {
      name: names.streams.requests,
      subjects: [names.subjects.rolloutRequests],
      retention: RetentionPolicy.Workqueue,
      ...common,
    }),
  );
  await step(() => ensureStream(jsm, { name: names.streams.results, subjects: [names.subjects.rolloutResults], ...limits(o.resultsMaxAgeMs) }));
  await step(() => ensureStream(jsm, { name: names.streams.metrics, subjects: [names.subjects.allMetrics], ...limits(o.metricsMaxAgeMs) }));
  await step(() => ensureStream(jsm, { name: names.streams.dead, subjects: [names.subjects.dead], ...limits(o.deadMaxAgeMs) }));

  const pull: Partial<ConsumerConfig> = {
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(o.ackWaitMs),
    max_deliver: o.maxDeliver,
    max_ack_pending: o.maxAckPending,
  };
  // A work-queue stream needs consumers with disjoint filters: one per kind, shared by all
  // rollout actors serving it.
  for (const kind of ROLLOUT_KINDS) {
    await step(() =>
      ensureConsumer(jsm, names.streams.requests, {
        ...pull,
        durable_name: names.consumers.rollout(kind),
        filter_subject: names.subjects.rolloutRequest(kind),
      }),
    );
  }
  for (const { kind, role } of o.resultConsumers) {
    // The learner's consumers never exhaust. It holds training results unacked until the
    // checkpoint of the step that trains them (in-progress acks meanwhile), and its probe and
    // sweep (harvest) results wait in the client while a training step blocks the event loop;
    // through a broker outage or a long step those acks are lost and the results come back. They
    // are its own, not poison (redelivered copies are deduplicated), and a cap dead-lettered
    // results it had trained on (14 in a cluster run with a node down 30 s; 7 harvest results
    // with 4 s). Results that fail validation are dead-lettered by the learner itself.
    const unbounded = role === 'learner';
    await step(() =>
      ensureConsumer(jsm, names.streams.results, {
        ...pull,
        ...(unbounded ? { max_deliver: -1 } : {}),
        durable_name: names.consumers.results(kind, role),
        filter_subject: names.subjects.rolloutResult(kind),
      }),
    );
  }

  const kvm = new Kvm(js);
  const objm = new Objm(js);
  const bucket = { storage, replicas };
  // Opening an existing bucket leaves its config alone: a run set up with other replicas is
  // scaled to ours afterwards, as the streams above are by their update.
  const [pool, state, weights] = await Promise.all([
    step(() => wrap(`KV ${names.buckets.pool}`, kvm.create(names.buckets.pool, { ...bucket, history: o.poolHistory }))),
    step(() => wrap(`KV ${names.buckets.state}`, kvm.create(names.buckets.state, { ...bucket, history: 1 }))),
    step(() => wrap(`object store ${names.buckets.weights}`, objm.create(names.buckets.weights, bucket))),
  ]);
  for (const [resource, store] of [[`KV ${names.buckets.pool}`, pool], [`KV ${names.buckets.state}`, state], [`object store ${names.buckets.weights}`, weights]] as const) {
    await step(() => wrap(resource, scaleTo(jsm, store, replicas)));
  }
  return { names, js, jsm, pool, state, weights };
}

/** Brings the stream behind a KV bucket or object store to `replicas`, if it has others. */
async function scaleTo(jsm: JetStreamManager, store: { status(): Promise<{ streamInfo: StreamInfo }> }, replicas: number): Promise<void> {
  const { config } = (await store.status()).streamInfo;
  if (config.num_replicas !== replicas) await jsm.streams.update(config.name, { ...config, num_replicas: replicas });
}

async function wrap<T>(resource: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    // A refusal by the server stays a refusal; a timeout may pass.
    throw new BusSetupError(resource, `cannot create or open: ${(err as Error).message}`, { cause: err, retryable: !(err instanceof JetStreamApiError) });
  }
}

// JetStream API codes (nats-server errors.json) for "the cluster cannot place that many replicas".
const NO_SUITABLE_PEERS = 10005;
const REPLICAS_NOT_SUPPORTED = 10074;
const INSUFFICIENT_RESOURCES = 10023;

/**
 * `attempt`, tried again while it fails with a retryable error for up to {@link SETUP_PATIENCE_MS};
 * a placement refusal becomes a {@link ConfigError} naming `bus.replicas`.
 */
async function patiently<T>(nc: NatsConnection, replicas: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SETUP_PATIENCE_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await attempt();
    } catch (err) {
      const cause = (err as Error).cause;
      const code = cause instanceof JetStreamApiError ? cause.apiError().err_code : undefined;
      if (replicas > 1 && (code === NO_SUITABLE_PEERS || code === REPLICAS_NOT_SUPPORTED || code === INSUFFICIENT_RESOURCES)) {
        throw replicasError(nc, replicas, (err as Error).message);
      }
      if (!(err instanceof SaturnError && err.retryable) || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function replicasError(nc: NatsConnection, replicas: number, why: string): ConfigError {
  const servers = nc.info?.connect_urls?.length;
  const cluster = nc.info?.cluster ? `NATS cluster "${nc.info.cluster}"${servers ? ` (${servers} servers)` : ''}` : `single NATS server ${nc.getServer()}`;
  return new ConfigError('bus.replicas', `at most the JetStream servers of the ${cluster}; ${why}`, replicas);
}
