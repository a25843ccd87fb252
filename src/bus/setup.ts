/**
 * Everything a run needs on the broker — streams, durable consumers, KV buckets and the weights
 * object store — created idempotently at start. Every actor may call {@link setupRun}; the
 * first creates, the rest find the same config and change nothing.
 *
 * Only nats-server 2.9 features are used (no `filter_subjects`, compression, metadata, consumer
 * pause or per-message TTL), so Debian's 2.9.10 serves a run.
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
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ROLLOUT_KINDS, runNames, type RolloutKind, type RunNames } from '../protocol/subjects.ts';
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

/** Knobs of a run's broker resources; every field has a default in {@link SETUP_DEFAULTS}. */
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
  /** Stream replicas (1 unless the broker is a cluster). */
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
  replicas: 1,
  resultConsumers: DEFAULT_RESULT_CONSUMERS,
});

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
  const names = runNames(run);
  const jsm = await jetstreamManager(nc).catch((err) => {
    throw new BusSetupError('JetStream', `not available (is the server started with -js?): ${err}`, { cause: err });
  });
  const js = jsm.jetstream();
  const storage = o.storage === 'memory' ? StorageType.Memory : StorageType.File;
  const common = { storage, num_replicas: o.replicas, duplicate_window: nanos(o.duplicateWindowMs) };
  const limits = (maxAgeMs: number) => ({
    ...common,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(maxAgeMs),
    max_bytes: o.streamMaxBytes,
  });

  await ensureStream(jsm, {
    name: names.streams.requests,
    subjects: [names.subjects.rolloutRequests],
    retention: RetentionPolicy.Workqueue,
    ...common,
  });
  await ensureStream(jsm, { name: names.streams.results, subjects: [names.subjects.rolloutResults], ...limits(o.resultsMaxAgeMs) });
  await ensureStream(jsm, { name: names.streams.metrics, subjects: [names.subjects.allMetrics], ...limits(o.metricsMaxAgeMs) });
  await ensureStream(jsm, { name: names.streams.dead, subjects: [names.subjects.dead], ...limits(o.deadMaxAgeMs) });

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
    await ensureConsumer(jsm, names.streams.requests, {
      ...pull,
      durable_name: names.consumers.rollout(kind),
      filter_subject: names.subjects.rolloutRequest(kind),
    });
  }
  for (const { kind, role } of o.resultConsumers) {
    await ensureConsumer(jsm, names.streams.results, {
      ...pull,
      durable_name: names.consumers.results(kind, role),
      filter_subject: names.subjects.rolloutResult(kind),
    });
  }

  const kvm = new Kvm(js);
  const objm = new Objm(js);
  const bucket = { storage, replicas: o.replicas };
  const [pool, state, weights] = await Promise.all([
    wrap(`KV ${names.buckets.pool}`, kvm.create(names.buckets.pool, { ...bucket, history: o.poolHistory })),
    wrap(`KV ${names.buckets.state}`, kvm.create(names.buckets.state, { ...bucket, history: 1 })),
    wrap(`object store ${names.buckets.weights}`, objm.create(names.buckets.weights, bucket)),
  ]);
  return { names, js, jsm, pool, state, weights };
}

async function wrap<T>(resource: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw new BusSetupError(resource, `cannot create or open: ${(err as Error).message}`, { cause: err });
  }
}
