/**
 * A finished (or running) run's stored state, read without creating anything: the pool entries,
 * the stored config and the learner's checkpoint. Unlike `setupRun`, a wrong run id is an error
 * here, not a fresh empty run.
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { PoolEntry } from '../pool/entry.ts';
import { decodePoolEntry } from '../pool/entry.ts';
import { runNames, type RunNames } from '../protocol/subjects.ts';
import { RunNotFoundError } from './errors.ts';

/** Read-only handles on one run's buckets. */
export interface RunReader {
  /**
   * Every valid pool entry (the latest value of each key; deleted keys left out). A reader that
   * only looks does not dead-letter: an entry that fails validation is left out and told to `onBad`.
   */
  poolEntries(onBad?: (key: string, reason: string) => void): Promise<PoolEntry[]>;
  /** The run config as stored by `saturn up` (JSON), or undefined. */
  config(): Promise<unknown>;
  /** The bytes of object `name` in the weights store, or null when there is none. */
  object(name: string): Promise<Uint8Array | null>;
}

/** Opens run `run`'s buckets; rejects with {@link RunNotFoundError} when the broker has none. */
export async function openRunReader(nc: NatsConnection, run: string): Promise<RunReader> {
  const names = runNames(run);
  const js = jetstream(nc);
  const open = opener(nc, run);
  const kvm = new Kvm(js);
  const pool: KV = await open(`KV_${names.buckets.pool}`, () => kvm.open(names.buckets.pool));
  const state: KV = await open(`KV_${names.buckets.state}`, () => kvm.open(names.buckets.state));
  const weights = await open(`OBJ_${names.buckets.weights}`, () => new Objm(js).open(names.buckets.weights));
  return {
    async poolEntries(onBad) {
      const entries: PoolEntry[] = [];
      for await (const key of await pool.keys()) {
        const e = await pool.get(key);
        if (e?.operation !== 'PUT') continue;
        const d = decodePoolEntry(e.value);
        if (d.ok) entries.push(d.value);
        else onBad?.(key, d.reason);
      }
      return entries;
    },
    async config() {
      const e = await state.get(names.stateKeys.config);
      return e?.operation === 'PUT' ? JSON.parse(e.string()) : undefined;
    },
    object: (name) => weights.getBlob(name),
  };
}

/** Read-only handles on run `run`'s weights: its state KV and object store (see src/bus/weights.ts). */
export async function openRunWeights(nc: NatsConnection, run: string): Promise<{ names: RunNames; state: KV; store: ObjectStore }> {
  const names = runNames(run);
  const js = jetstream(nc);
  const open = opener(nc, run);
  const state: KV = await open(`KV_${names.buckets.state}`, () => new Kvm(js).open(names.buckets.state));
  const store = await open(`OBJ_${names.buckets.weights}`, () => new Objm(js).open(names.buckets.weights));
  return { names, state, store };
}

/** Opens one of the run's buckets; a missing one is the run not being there. */
function opener(nc: NatsConnection, run: string) {
  return async <T>(stream: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch {
      throw new RunNotFoundError(run, nc.getServer(), stream);
    }
  };
}
