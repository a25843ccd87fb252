/**
 * How policy weights travel: the bytes go to the run's object store under `weights/v<version>`,
 * then a `WeightsAnnouncement` is written to the state KV (key `weights.latest`, so an actor that
 * starts late finds the current policy) and published on `saturn.<run>.weights.announce` (so
 * running actors hear of it at once). Readers check size and SHA-256 before trusting the bytes.
 */
import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode, encode, type DecodeResult } from '../protocol/codec.ts';
import { envelope } from '../protocol/envelope.ts';
import type { WeightsAnnouncement } from '../protocol/messages.ts';
import type { RunNames } from '../protocol/subjects.ts';
import { WeightsFetchError } from './errors.ts';
import { publishCore } from './publish.ts';

/** Where a run's weights live. */
export interface WeightsPlace {
  readonly nc: NatsConnection;
  readonly names: RunNames;
  readonly store: ObjectStore;
  readonly state: KV;
}

/**
 * Stores `bytes` as policy version `version` (trained for `step` steps) and announces it.
 * Returns the announcement. The object is complete before anyone is told about it.
 */
export async function publishWeights(
  place: WeightsPlace,
  version: number,
  step: number,
  bytes: Uint8Array,
  now: () => number = Date.now,
): Promise<WeightsAnnouncement> {
  const objectName = place.names.objects.weights(version);
  await place.store.putBlob({ name: objectName, description: `policy v${version}, step ${step}` }, bytes);
  const announcement: WeightsAnnouncement = {
    ...envelope('weights.announcement', undefined, now),
    version,
    objectName,
    bytes: bytes.length,
    sha256: sha256Hex(bytes),
    step,
    createdAt: now(),
  };
  await place.state.put(place.names.stateKeys.latestWeights, encode(announcement));
  publishCore(place.nc, place.names.subjects.weightsAnnounce, announcement);
  return announcement;
}

/** The latest announcement in the state KV, or undefined when no weights were published yet. */
export async function latestWeights(place: Pick<WeightsPlace, 'names' | 'state'>): Promise<DecodeResult<WeightsAnnouncement> | undefined> {
  const entry = await place.state.get(place.names.stateKeys.latestWeights);
  if (!entry || entry.operation !== 'PUT') return undefined;
  return decode(entry.value, 'weights.announcement');
}

/**
 * The bytes `announcement` points to, checked against its size and SHA-256. Throws
 * {@link WeightsFetchError} when the object is missing or does not match.
 */
export async function fetchWeights(
  place: Pick<WeightsPlace, 'store'>,
  announcement: WeightsAnnouncement,
): Promise<Uint8Array> {
  const bytes = await place.store.getBlob(announcement.objectName);
  if (!bytes) {
    throw new WeightsFetchError(announcement.objectName, 'not found in the object store');
  }
  if (bytes.length !== announcement.bytes || sha256Hex(bytes) !== announcement.sha256) {
    throw new WeightsFetchError(
      announcement.objectName,
      `does not match its announcement (${bytes.length} bytes, expected ${announcement.bytes} with sha256 ${announcement.sha256})`,
    );
  }
  return bytes;
}

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
