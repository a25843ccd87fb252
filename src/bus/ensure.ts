/**
 * Idempotent creation of JetStream streams and consumers: "make it exist with this config",
 * safe to call from every actor at every start, concurrently. An existing resource with the
 * same config is left alone; one with an editable difference (limits, ack wait, max deliver…)
 * is updated to ours; a difference the server cannot change in place (retention, storage) is a
 * {@link BusSetupError} naming the resource and quoting the server.
 */
import {
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { BusSetupError } from './errors.ts';

// JetStream API error codes (nats-server errors.json) that mean "exists with another config".
const STREAM_NAME_IN_USE = 10058;
// A concurrent add of the same stream can lose the race with "subjects overlap" instead of
// "name in use": the winner's stream already holds the subjects.
const STREAM_SUBJECT_OVERLAP = 10065;
const CONSUMER_ALREADY_EXISTS = 10148;
const CONSUMER_EXISTS = 10105;

/** A stream config we own: name and subjects required, the rest defaulted by the server. */
export type StreamSpec = Partial<StreamConfig> & Pick<StreamConfig, 'name' | 'subjects'>;

/** A durable consumer config we own. */
export type ConsumerSpec = Partial<ConsumerConfig> & { durable_name: string };

/** Makes stream `spec.name` exist with `spec`; returns its info. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<StreamInfo> {
  const resource = `stream ${spec.name}`;
  try {
    // Adding a stream identical to an existing one succeeds, so the common case is one call.
    return await jsm.streams.add(spec);
  } catch (err) {
    const code = apiCode(err);
    const lostRace = code === STREAM_SUBJECT_OVERLAP && (await streamExists(jsm, spec.name));
    if (code !== STREAM_NAME_IN_USE && !lostRace) throw setupError(resource, 'cannot create', err);
  }
  try {
    return await jsm.streams.update(spec.name, spec);
  } catch (err) {
    throw setupError(resource, 'exists with a config that cannot be updated to ours', err);
  }
}

/** Makes durable consumer `spec.durable_name` exist on `stream` with `spec`; returns its info. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  spec: ConsumerSpec,
): Promise<ConsumerInfo> {
  const resource = `consumer ${spec.durable_name} on stream ${stream}`;
  try {
    // nats-server 2.9 treats a create of an existing durable as an update of its editable
    // fields; newer servers refuse a differing config, which the update below handles.
    return await jsm.consumers.add(stream, spec);
  } catch (err) {
    const code = apiCode(err);
    if (code !== CONSUMER_ALREADY_EXISTS && code !== CONSUMER_EXISTS) {
      throw setupError(resource, 'cannot create', err);
    }
  }
  try {
    const { durable_name: _name, ...editable } = spec;
    return await jsm.consumers.update(stream, spec.durable_name, editable);
  } catch (err) {
    throw setupError(resource, 'exists with a config that cannot be updated to ours', err);
  }
}

async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    await jsm.streams.info(name);
    return true;
  } catch {
    return false;
  }
}

function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.apiError().err_code : undefined;
}

function setupError(resource: string, what: string, err: unknown): BusSetupError {
  const detail = err instanceof Error ? err.message : String(err);
  // A timeout or a missing JetStream may be transient; a refused config is not.
  const retryable = !(err instanceof JetStreamApiError);
  return new BusSetupError(resource, `${what}: ${detail}`, { cause: err, retryable });
}
