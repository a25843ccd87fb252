/**
 * Validated reads of the run's state bucket beyond messages (which `decode` checks): a counter
 * stored as decimal text (the selector's cursor, the learner's step). A value any client could
 * have written is checked before it is trusted, and a bad one is dead-lettered with its key.
 */
import type { KV } from '@nats-io/kv';
import { toDeadLetters, type DeadLetterSink } from './decode-or-dead-letter.ts';

/**
 * The non-negative integer stored as decimal text under `key`, or undefined when the key is
 * absent or its value is not one (then dead-lettered, naming the key).
 */
export async function readCounter(kv: KV, key: string, sink: DeadLetterSink): Promise<number | undefined> {
  const e = await kv.get(key);
  if (!e || e.operation !== 'PUT') return undefined;
  const text = new TextDecoder().decode(e.value);
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const subject = `$KV.${e.bucket}.${key}`;
  const reason = `state key ${key}: expected a non-negative integer as decimal text, got ${JSON.stringify(text.slice(0, 40))}`;
  await toDeadLetters(sink, { reason, subject, raw: e.value, seq: e.revision }).catch((err: unknown) => sink.onError?.(err, { subject, data: e.value }));
  return undefined;
}
