/**
 * The one way into the prefix-pool bucket. Entries are `pool.entry` messages (see
 * src/pool/entry.ts); every read and every watch decodes and validates them, checks that the key
 * is the entry's own (base64url of its question id), and dead-letters what fails with the key in
 * the reason — a malformed entry written by any client costs a dead letter, never a receiver.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { concatMap, from, map, of, retry, timer, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { decodePoolEntry, encodePoolEntry, type PoolEntry } from '../pool/entry.ts';
import { poolKey } from '../run/requests.ts';
import { toDeadLetters, type DeadLetterSink } from './decode-or-dead-letter.ts';
import { kvWatch$ } from './observable.ts';

/** One change of the pool: `entry` is the key's valid entry, or undefined when it was deleted or refused. */
export interface PoolChange {
  readonly key: string;
  /** The question the key stands for (keys are base64url of question ids). */
  readonly questionId: string;
  readonly entry?: PoolEntry;
}

/** Writes `entry` under its key. */
export function putPoolEntry(kv: KV, entry: PoolEntry): Promise<number> {
  return kv.put(poolKey(entry.questionId), encodePoolEntry(entry));
}

/** Every valid entry in the bucket now; the invalid ones are dead-lettered (a restarted selector continues from the rest). */
export async function readPoolEntries(kv: KV, sink: DeadLetterSink): Promise<PoolEntry[]> {
  const entries: PoolEntry[] = [];
  for await (const key of await kv.keys()) {
    const e = await kv.get(key);
    if (e?.operation !== 'PUT') continue;
    const entry = await checked(e, sink);
    if (entry) entries.push(entry);
  }
  return entries;
}

/**
 * The pool as a stream of changes: first every current entry, then each put or delete, until
 * unsubscribed. A refused entry is dead-lettered and emitted as a deletion of its key (what was
 * there before is no longer what the bucket says). A watch that fails (the connection closes) is
 * reopened after `retryMs`, replaying the current entries.
 */
export function poolChanges$(kv: KV, sink: DeadLetterSink, retryMs = 1_000): Observable<PoolChange> {
  return kvWatch$(kv).pipe(
    concatMap((e) => {
      const questionId = Buffer.from(e.key, 'base64url').toString('utf8');
      return e.operation === 'PUT' ? from(checked(e, sink)).pipe(map((entry) => ({ key: e.key, questionId, entry }))) : of({ key: e.key, questionId });
    }),
    retrying(retryMs, sink),
  );
}

function retrying<T>(ms: number, sink: DeadLetterSink): MonoTypeOperatorFunction<T> {
  return retry({ delay: (err: unknown) => (sink.onWatchError?.(err), timer(ms)) });
}

// The entry of a KV put, or undefined after dead-lettering it (or failing to, which the sink hears of).
async function checked(e: KvEntry, sink: DeadLetterSink): Promise<PoolEntry | undefined> {
  const r = decodePoolEntry(e.value);
  if (r.ok && poolKey(r.value.questionId) === e.key) return r.value;
  const problem = r.ok ? { cause: 'invalid', reason: `entry of question ${JSON.stringify(r.value.questionId)} under another key` } : { cause: r.code, reason: r.reason };
  const subject = `$KV.${e.bucket}.${e.key}`;
  await toDeadLetters(sink, { cause: problem.cause, reason: `pool key ${e.key}: ${problem.reason}`, subject, raw: e.value, seq: e.revision }).catch((err: unknown) =>
    sink.onError?.(err, { subject, data: e.value }),
  );
  return undefined;
}
