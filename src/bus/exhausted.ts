/**
 * Messages that used up their deliveries. When a consumer has delivered a message `max_deliver`
 * times without an ack (every actor that took it crashed or timed out), the server stops
 * delivering it and publishes a MAX_DELIVERIES advisory — and the message would otherwise sit in
 * the stream unseen. This watcher copies each such message to the dead subject with the reason
 * (and removes it from the request work queue), so a poison request is visible and counted.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { catchError, EMPTY, from, mergeMap, type Observable } from 'rxjs';
import type { RunNames } from '../protocol/subjects.ts';
import { deadLetter, type DeadLetterCounter } from './dead-letter.ts';
import { subscribe$ } from './observable.ts';

/** One message moved to the dead subject. */
export interface Exhausted {
  readonly stream: string;
  readonly consumer: string;
  readonly seq: number;
  readonly deliveries: number;
  /** False when another watcher had dead-lettered it already (several may run). */
  readonly stored: boolean;
}

/** What the watcher needs. */
export interface ExhaustedWatch {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: RunNames;
  /** Id recorded as the dead letter's `actor`. */
  readonly actor: string;
  readonly counter?: DeadLetterCounter;
}

// Payload of io.nats.jetstream.advisory.v1.max_deliver (JSON, server-defined).
interface MaxDeliverAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * Watches the run's request and result streams for exhausted messages until unsubscribed; emits
 * each one after it is dead-lettered and deleted. Several watchers may run: the dead letter is
 * deduplicated by subject and sequence, and a second delete finds nothing.
 */
export function deadLetterExhausted$(w: ExhaustedWatch): Observable<Exhausted> {
  const streams = [w.names.streams.requests, w.names.streams.results];
  const subject = '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.*.*';
  return subscribe$(w.nc, subject).pipe(
    mergeMap((msg) => {
      const a = advisory(msg.data);
      if (!a || !streams.includes(a.stream)) return EMPTY;
      return from(moveToDead(w, a)).pipe(catchError(() => EMPTY));
    }),
  );
}

// The advisory in `data`, or undefined when it is not one (anyone may publish on the subject).
function advisory(data: Uint8Array): MaxDeliverAdvisory | undefined {
  try {
    const a = JSON.parse(new TextDecoder().decode(data)) as Partial<MaxDeliverAdvisory> | null;
    const ok = typeof a?.stream === 'string' && typeof a.consumer === 'string' && Number.isSafeInteger(a.stream_seq) && Number.isSafeInteger(a.deliveries);
    return ok ? (a as MaxDeliverAdvisory) : undefined;
  } catch {
    return undefined;
  }
}

async function moveToDead(w: ExhaustedWatch, a: MaxDeliverAdvisory): Promise<Exhausted> {
  const original = await w.jsm.streams.getMessage(a.stream, { seq: a.stream_seq });
  let stored = false;
  if (original) {
    const ack = await deadLetter(
      w.js,
      w.names.run,
      {
        reason: `not acked after ${a.deliveries} deliveries to consumer ${a.consumer} (max_deliver)`,
        cause: 'max_deliver',
        subject: original.subject,
        raw: original.data,
        actor: w.actor,
        seq: a.stream_seq,
      },
      { counter: w.counter },
    );
    stored = !ack.duplicate;
    // A work-queue message would block nothing but would never leave; a result may still be
    // wanted by the stream's other consumers, so it stays.
    if (a.stream === w.names.streams.requests) {
      await w.jsm.streams.deleteMessage(a.stream, a.stream_seq).catch(() => false);
    }
  }
  return { stream: a.stream, consumer: a.consumer, seq: a.stream_seq, deliveries: a.deliveries, stored };
}
