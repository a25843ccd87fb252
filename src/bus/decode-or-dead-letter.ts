/**
 * The edge of every actor: an operator that turns raw NATS messages into typed, validated ones.
 * What fails to decode is dead-lettered with the reason, counted, and (for JetStream) acked so
 * it is not redelivered forever; the stream carries on with the next message.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { EMPTY, from, mergeMap, of, type OperatorFunction } from 'rxjs';
import { decode } from '../protocol/codec.ts';
import { DEFAULT_LIMITS, type Limits, type MessageByType, type MessageType } from '../protocol/messages.ts';
import { deadLetter, type DeadLetterCounter } from './dead-letter.ts';

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
  /** Delay before a nak'ed original is redelivered, ms. */
  readonly retryDelayMs?: number;
}

/**
 * Decodes each message as `type`. Valid ones are emitted as `{ msg, value }` (not acked: ack
 * after processing). Invalid ones are published to the dead subject and then acked; if that
 * publish fails they are nak'ed instead, to be tried again on redelivery. Never errors for a
 * bad message.
 *
 * @example
 * consume$(consumer).pipe(decodeOrDeadLetter('rollout.request', { js, run, actor: 'rollout-1', counter }))
 */
export function decodeOrDeadLetter<T extends MessageType, M extends RawMsg>(
  type: T,
  sink: DeadLetterSink,
): OperatorFunction<M, Decoded<M, MessageByType[T]>> {
  const limits = sink.limits ?? DEFAULT_LIMITS;
  return mergeMap((msg: M) => {
    const r = decode(msg.data, type, limits);
    if (r.ok) return of({ msg, value: r.value });
    const input = { reason: r.reason, cause: r.code, subject: msg.subject, raw: msg.data, actor: sink.actor, seq: msg.seq };
    return from(
      deadLetter(sink.js, sink.run, input, { counter: sink.counter, limits }).then(
        () => msg.ack?.(),
        (err: unknown) => {
          msg.nak?.(sink.retryDelayMs ?? 1_000);
          sink.onError?.(err, msg);
        },
      ),
    ).pipe(mergeMap(() => EMPTY));
  });
}
