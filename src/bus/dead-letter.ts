/**
 * The dead-letter path: a message that failed to decode or validate is published, with the
 * reason and its raw bytes, to `saturn.<run>.dead`, and counted. It never crashes the actor that
 * received it and is never silently dropped.
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { envelope } from '../protocol/envelope.ts';
import { DEFAULT_LIMITS, type DeadLetter, type Limits } from '../protocol/messages.ts';
import { runNames } from '../protocol/subjects.ts';
import { publishJs } from './publish.ts';

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

  count(cause: string): void {
    this.#total += 1;
    this.#byCause.set(cause, (this.#byCause.get(cause) ?? 0) + 1);
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
  /** Stream sequence of the original, when it came from a stream. */
  seq?: number;
  /** When it was received (ms epoch); default now. */
  receivedAt?: number;
}

/**
 * Publishes a `DeadLetter` for `input` to run `run`'s dead subject and counts it in `counter`.
 * Raw bytes beyond `limits.maxRawBytes` are cut off. A message from a stream is dead-lettered
 * at most once per duplicate window however often it is redelivered (`Nats-Msg-Id` is derived
 * from subject and sequence). Throws `BusPublishError` if the dead stream did not store it.
 */
export async function deadLetter(
  js: JetStreamClient,
  run: string,
  input: DeadLetterInput,
  options: { counter?: DeadLetterCounter; limits?: Limits; now?: () => number } = {},
): Promise<PubAck> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const now = options.now ?? Date.now;
  const raw = input.raw.length > limits.maxRawBytes ? input.raw.subarray(0, limits.maxRawBytes) : input.raw;
  const msg: DeadLetter = {
    ...envelope('dead.letter', undefined, now),
    reason: input.reason.slice(0, limits.maxString),
    subject: input.subject,
    raw,
    receivedAt: input.receivedAt ?? now(),
    actor: input.actor,
    seq: input.seq,
  };
  const msgID = input.seq === undefined ? msg.id : `dead:${input.subject}:${input.seq}`;
  const ack = await publishJs(js, runNames(run).subjects.dead, msg, { msgID, limits });
  // A redelivered original is stored (and counted) once.
  if (!ack.duplicate) options.counter?.count(input.cause ?? 'invalid');
  return ack;
}
