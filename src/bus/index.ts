/**
 * saturn's NATS layer: connecting, creating a run's streams, consumers and buckets, turning
 * consumers and subscriptions into Observables, publishing, dead-lettering, deduplicating, and a
 * private nats-server for `saturn up` and tests.
 */
export {
  BusConnectError,
  BusOptionError,
  BusPublishError,
  BusSetupError,
  NatsServerNotFoundError,
  NatsServerStartError,
  RunNotFoundError,
  WeightsFetchError,
} from './errors.ts';
export { drainOrClose, within } from './close.ts';
export { CONNECT_DEFAULTS, connectBus, connectPatiently, type BusConnectOptions } from './connect.ts';
export { ensureConsumer, ensureStream, type ConsumerSpec, type StreamSpec } from './ensure.ts';
export {
  DEFAULT_RESULT_CONSUMERS,
  SETUP_DEFAULTS,
  setupRun,
  type ResultConsumer,
  type RunBus,
  type SetupOptions,
} from './setup.ts';
export { consume$, kvWatch$, subscribe$, type Consume$Options } from './observable.ts';
export { OnDemand, type OnDemandOptions } from './on-demand.ts';
export { metrics$, type Metrics$Options } from './metrics.ts';
export { publishCore, publishJs, type PublishJsOptions } from './publish.ts';
export { DEAD_LETTER_COPY_BYTES, DeadLetterCounter, deadLetter, deadLetterId, deadLetterSecret, type DeadLetterInput } from './dead-letter.ts';
export { decodeOrDeadLetter, toDeadLetters, type DeadLetterSink, type Decoded, type RawMsg } from './decode-or-dead-letter.ts';
export { poolChanges$, putPoolEntry, readPoolEntries, type PoolChange } from './pool.ts';
export { deadLetterExhausted$, type Exhausted, type ExhaustedWatch } from './exhausted.ts';
export { SeenSet, skipDuplicates } from './idempotency.ts';
export { announcementProblem, fetchWeights, latestWeights, publishWeights, sha256Hex, type WeightsPlace } from './weights.ts';
export { findNatsServer, freePort, NatsServer, randomToken, type NatsServerOptions } from './nats-server.ts';
