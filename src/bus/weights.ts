/**
 * How policy weights travel: the bytes go to the run's object store under `weights/v<version>`,
 * then a `WeightsAnnouncement` is written to the state KV (key `weights.latest`, so an actor that
 * starts late finds the current policy) and published on `saturn.<run>.weights.announce` (so
 * running actors hear of it at once). Readers trust an announcement only when it names its own
 * version's object and that object is in the store with the announced size and SHA-256: a forged
 * "version 1,000,000" pointing at another version's bytes would otherwise be adopted for good.
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

/**
 * The latest announcement in the state KV, or undefined when no weights were published yet. An
 * announcement that fails to decode, or that {@link announcementProblem} finds fault with, comes
 * back as `{ ok: false, reason }`.
 */
export async function latestWeights(place: Pick<WeightsPlace, 'names' | 'state' | 'store'>): Promise<DecodeResult<WeightsAnnouncement> | undefined> {
  const entry = await place.state.get(place.names.stateKeys.latestWeights);
  if (!entry || entry.operation !== 'PUT') return undefined;
  const a = decode(entry.value, 'weights.announcement');
  if (!a.ok) return a;
  const problem = await announcementProblem(place, a.value);
  return problem ? { ok: false, code: 'invalid', reason: `weights announcement v${a.value.version}: ${problem}` } : a;
}

/**
 * Why `a` is not to be trusted, or undefined: its object name must be its own version's
 * (`weights/v<version>`), and that object must be in the store with the announced size and
 * SHA-256 (the store's own digest, so nothing is downloaded to check).
 */
export async function announcementProblem(place: Pick<WeightsPlace, 'names' | 'store'>, a: WeightsAnnouncement): Promise<string | undefined> {
  const own = place.names.objects.weights(a.version);
  if (a.objectName !== own) return `names object ${a.objectName}, not its version's ${own}`;
  const info = await place.store.info(own);
  if (!info || info.deleted) return `${own} is not in the object store`;
  if (info.size !== a.bytes) return `${own} has ${info.size} bytes, announced ${a.bytes}`;
  const digest = Buffer.from(info.digest.replace(/^SHA-256=/i, ''), 'base64').toString('hex');
  if (digest !== a.sha256) return `${own} has sha256 ${digest}, announced ${a.sha256}`;
  return undefined;
}

/**
 * The bytes `announcement` points to, checked against its size and SHA-256, after checking it
 * names its own version's object. Throws {@link WeightsFetchError} when the object is missing or
 * does not match.
 */
export async function fetchWeights(
  place: Pick<WeightsPlace, 'names' | 'store'>,
  announcement: WeightsAnnouncement,
): Promise<Uint8Array> {
  const own = place.names.objects.weights(announcement.version);
  if (announcement.objectName !== own) {
    throw new WeightsFetchError(announcement.objectName, `is not version ${announcement.version}'s object ${own}`);
  }
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
