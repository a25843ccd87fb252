/**
 * The dead-letter path: a message that failed to decode or validate is published, with the
 * reason and its raw bytes, to `saturn.<run>.dead`, and counted. It never crashes the actor that
 * received it and is never silently dropped.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { envelope } from '../protocol/envelope.ts';
import { DEFAULT_LIMITS, type DeadLetter, type Limits } from '../protocol/messages.ts';
import { runNames } from '../protocol/subjects.ts';
import { BusSetupError } from './errors.ts';
import { publishJs } from './publish.ts';
import { withTimeout } from './retry.ts';

/**
 * Most bytes of the original a dead letter copies. A message near NATS's 1 MB `max_payload` could
 * not be copied whole into another message; beyond this the dead letter keeps the first bytes,
 * the size and the SHA-256 of the whole.
 */
export const DEAD_LETTER_COPY_BYTES = 256 * 1024;

/** Dead letters sent by one actor, in total and by cause (`malformed`, `version`, `type`, …). */
export class DeadLetterCounter {
  #total = 0;
  readonly #byCause = new Map<string, number>();

  /** Dead letters counted so far. */
  get total(): number {
    return this.#total;
  }

  /** Counts by cause, for a metrics record. */
  byCause(): Record<string, number> {
    return Object.fromEntries(this.#byCause);
  }

  /** Counts one of `cause`; returns how many of that cause there have been. */
  count(cause: string): number {
    this.#total += 1;
    const n = (this.#byCause.get(cause) ?? 0) + 1;
    this.#byCause.set(cause, n);
    return n;
  }
}

/** What to quarantine. */
export interface DeadLetterInput {
  /** Why, in words a person can act on (the decoder's reason). */
  reason: string;
  /** Subject the message arrived on. */
  subject: string;
  /** The message's bytes as received. */
  raw: Uint8Array;
  /** Id of the actor that rejected it. */
  actor: string;
  /** Coarse cause for the counter; default `invalid`. */
  cause?: string;
  /** Stream sequence of the original, when it came from a stream (a KV entry: its revision). */
  seq?: number;
  /** When it was received (ms epoch); default now. */
  receivedAt?: number;
}

/**
 * Publishes a `DeadLetter` for `input` to run `run`'s dead subject and counts it in `counter`.
 * Raw bytes beyond {@link DEAD_LETTER_COPY_BYTES} are cut off (size and SHA-256 of the whole are
 * kept). A message from a stream is dead-lettered at most once per duplicate window however often
 * and by whichever actor it is redelivered: its `Nats-Msg-Id` is {@link deadLetterId}, which a
 * publisher without the run's secret cannot take first. Throws `BusPublishError` if the dead
 * stream did not store it.
 */
export async function deadLetter(
  js: JetStreamClient,
  run: string,
  input: DeadLetterInput,
  options: { counter?: DeadLetterCounter; limits?: Limits; now?: () => number; onCounted?: (cause: string, n: number) => void } = {},
): Promise<PubAck> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const now = options.now ?? Date.now;
  const keep = Math.min(DEAD_LETTER_COPY_BYTES, limits.maxRawBytes);
  const msg: DeadLetter = {
    ...envelope('dead.letter', undefined, now),
    reason: input.reason.slice(0, limits.maxString),
    subject: input.subject.slice(0, limits.maxString),
    raw: input.raw.length > keep ? input.raw.subarray(0, keep) : input.raw,
    rawBytes: input.raw.length,
    rawSha256: createHash('sha256').update(input.raw).digest('hex'),
    receivedAt: input.receivedAt ?? now(),
    actor: input.actor,
    seq: input.seq,
  };
  const msgID = input.seq === undefined ? msg.id : deadLetterId(await deadLetterSecret(js, run), input.subject, input.seq);
  const ack = await publishJs(js, runNames(run).subjects.dead, msg, { msgID, limits });
  // A redelivered original is stored (and counted) once.
  if (!ack.duplicate && options.counter) {
    const cause = input.cause ?? 'invalid';
    const n = options.counter.count(cause);
    options.onCounted?.(cause, n);
  }
  return ack;
}

/**
 * The `Nats-Msg-Id` of the dead letter of the message at `seq` on `subject`: an HMAC-SHA-256 of
 * both under the run's secret. Every actor of the run derives the same id (so a redelivered
 * message is quarantined once), and nobody without the secret can predict it — a forged
 * placeholder published first under a guessable id would make the broker drop the real dead
 * letter as a duplicate.
 */
export function deadLetterId(secret: Uint8Array, subject: string, seq: number): string {
  return `dead:${createHmac('sha256', secret).update(`${subject}\n${seq}`).digest('base64url')}`;
}

const secrets = new WeakMap<JetStreamClient, Map<string, Promise<Uint8Array>>>();

/**
 * Run `run`'s dead-letter secret: 32 random bytes in its state bucket under
 * `stateKeys.deadLetterSecret`, made by whoever needs it first (a KV `create`, so concurrent
 * actors agree). Read once per connection and run.
 */
export function deadLetterSecret(js: JetStreamClient, run: string): Promise<Uint8Array> {
  const byRun = secrets.get(js) ?? new Map<string, Promise<Uint8Array>>();
  secrets.set(js, byRun);
  let secret = byRun.get(run);
  if (!secret) {
    secret = withTimeout(loadSecret(js, run), 10_000);
    byRun.set(run, secret);
    // A failure (broker down) is not remembered: the next dead letter tries again.
    secret.catch(() => byRun.delete(run));
  }
  return secret;
}

async function loadSecret(js: JetStreamClient, run: string): Promise<Uint8Array> {
  const names = runNames(run);
  const kv = await new Kvm(js).open(names.buckets.state);
  const key = names.stateKeys.deadLetterSecret;
  await kv.create(key, randomBytes(32)).catch(() => undefined); // exists already: another actor made it
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT' || entry.value.length < 16) {
    throw new BusSetupError(`KV ${names.buckets.state} key ${key}`, 'the dead-letter secret is missing or shorter than 16 bytes');
  }
  return entry.value;
}
