/**
 * The edge of every actor: an operator that turns raw NATS messages into typed, validated ones.
 * What fails to decode is dead-lettered with the reason, counted, and (for JetStream) acked so
 * it is not redelivered forever; the stream carries on with the next message.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { EMPTY, from, mergeMap, of, type OperatorFunction } from 'rxjs';
import { decode } from '../protocol/codec.ts';
import { DEFAULT_LIMITS, type Limits, type MessageByType, type MessageType } from '../protocol/messages.ts';
import { subjectMismatch } from '../protocol/subject-check.ts';
import { runNames } from '../protocol/subjects.ts';
import { deadLetter, type DeadLetterCounter, type DeadLetterInput } from './dead-letter.ts';

/** A raw message as both core NATS and JetStream deliver it; JetStream ones can be acked. */
export interface RawMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Stream sequence (JetStream only). */
  readonly seq?: number;
  ack?(): void;
  nak?(millis?: number): void;
}

/** A decoded message beside the original, which the caller acks once it is fully handled. */
export interface Decoded<M, T> {
  readonly msg: M;
  readonly value: T;
}

/** Where and as whom to dead-letter. */
export interface DeadLetterSink {
  readonly js: JetStreamClient;
  readonly run: string;
  /** Id of the receiving actor, recorded in each dead letter. */
  readonly actor: string;
  readonly counter?: DeadLetterCounter;
  readonly limits?: Limits;
  /** Told when a dead letter could not be published (the original is then nak'ed, not lost). */
  readonly onError?: (err: unknown, msg: RawMsg) => void;
  /** Told of each dead letter counted, with how many of its cause there have been (for logs). */
  readonly onCounted?: (cause: string, n: number, reason: string) => void;
  /** Told when a watch (of the pool bucket) failed and is about to be reopened. */
  readonly onWatchError?: (err: unknown) => void;
  /** Delay before a nak'ed original is redelivered, ms. */
  readonly retryDelayMs?: number;
}

/**
 * Decodes each message as `type` and checks it belongs on its subject (run, kind, metric name:
 * see `subjectMismatch`). Valid ones are emitted as `{ msg, value }` (not acked: ack after
 * processing). Invalid ones are published to the dead subject and then acked; if that publish
 * fails they are nak'ed instead, to be tried again on redelivery. Never errors for a bad message.
 *
 * @example
 * consume$(consumer).pipe(decodeOrDeadLetter('rollout.request', { js, run, actor: 'rollout-1', counter }))
 */
export function decodeOrDeadLetter<T extends MessageType, M extends RawMsg>(
  type: T,
  sink: DeadLetterSink,
): OperatorFunction<M, Decoded<M, MessageByType[T]>> {
  const limits = sink.limits ?? DEFAULT_LIMITS;
  const names = runNames(sink.run);
  return mergeMap((msg: M) => {
    const r = decode(msg.data, type, limits);
    const wrong = r.ok ? subjectMismatch(r.value, msg.subject, names) : { cause: r.code, reason: r.reason };
    if (r.ok && !wrong) return of({ msg, value: r.value });
    return from(
      toDeadLetters(sink, { ...wrong!, subject: msg.subject, raw: msg.data, seq: msg.seq }).then(
        () => msg.ack?.(),
        (err: unknown) => {
          msg.nak?.(sink.retryDelayMs ?? 1_000);
          sink.onError?.(err, msg);
        },
      ),
    ).pipe(mergeMap(() => EMPTY));
  });
}

/** Publishes `input` as a dead letter of `sink`'s run and actor, counted in its counter (and told to `onCounted`). */
export function toDeadLetters(sink: DeadLetterSink, input: Omit<DeadLetterInput, 'actor'>) {
  const onCounted = sink.onCounted && ((cause: string, n: number) => sink.onCounted!(cause, n, input.reason));
  return deadLetter(sink.js, sink.run, { ...input, actor: sink.actor }, { counter: sink.counter, limits: sink.limits, onCounted });
}
