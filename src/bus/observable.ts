/**
 * The one place NATS becomes RxJS. A JetStream pull consumer or a core subscription is wrapped
 * as an Observable whose finaliser stops the underlying iterator or subscription, so `take(1)`,
 * an error further down the pipe, or an unsubscribe never leaves a subscription behind.
 *
 * Acks are the caller's job, and must come after the message is fully processed (published
 * results, updated state): the consumer's `max_ack_pending` then bounds how much work is in
 * flight, which is the only backpressure RxJS pipelines get. A message that is never acked is
 * redelivered after the consumer's ack wait (to this or another actor) — so an actor that dies
 * mid-message loses nothing, and handlers must tolerate seeing a message twice.
 */
import type { Consumer, ConsumeMessages, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { Observable } from 'rxjs';

/** Options of {@link consume$}. */
export interface Consume$Options {
  /**
   * Messages the client asks for per pull request (and so may hold buffered). Keep it at or below
   * the consumer's `max_ack_pending`, and small for short-lived subscriptions: see
   * {@link consume$} for what happens to buffered messages at teardown.
   */
  maxMessages?: number;
  /**
   * Delay before buffered-but-unemitted messages are redelivered after teardown, ms. Not 0: the
   * server could hand them straight back to the pull request this client just abandoned.
   */
  returnDelayMs?: number;
  /** How long one pull request stays open, ms (≥ 1000; the client's default is 30 s). */
  expiresMs?: number;
}

/**
 * The messages of pull consumer `consumer`, one emission per message, until unsubscribed.
 * Errors when the consumer's iterator fails (e.g. the connection closes); completes when the
 * iterator ends on its own.
 *
 * Teardown stops the pull subscription. Messages the client had already buffered are nak'ed
 * (redelivered to whoever pulls next after `returnDelayMs`); messages still on the wire at that
 * moment were delivered to a subscription that no longer exists and come back only after the
 * consumer's ack wait. Either way nothing is lost.
 *
 * @example
 * const consumer = await js.consumers.get(names.streams.requests, names.consumers.rollout('probe'));
 * consume$(consumer, { maxMessages: 8 }).pipe(
 *   decodeOrDeadLetter('rollout.request', deadLetters),
 *   mergeMap(async ({ msg, value }) => { await handle(value); msg.ack(); }, 4),
 * ).subscribe();
 */
export function consume$(consumer: Consumer, options: Consume$Options = {}): Observable<JsMsg> {
  return new Observable<JsMsg>((subscriber) => {
    let messages: ConsumerMessages | undefined;
    let stopped = false;
    const returnDelayMs = options.returnDelayMs ?? 1_000;
    const pullOptions: ConsumeMessages = {};
    if (options.maxMessages !== undefined) pullOptions.max_messages = options.maxMessages;
    if (options.expiresMs !== undefined) pullOptions.expires = options.expiresMs;

    (async () => {
      const iter = await consumer.consume(pullOptions);
      if (stopped) {
        iter.stop();
        return;
      }
      messages = iter;
      for await (const msg of iter) {
        // After teardown the iterator still drains what it had buffered: hand those back.
        if (stopped) msg.nak(returnDelayMs);
        else subscriber.next(msg);
      }
      if (!stopped) subscriber.complete();
    })().catch((err: unknown) => {
      if (!stopped) subscriber.error(err);
    });

    return () => {
      stopped = true;
      messages?.stop();
    };
  });
}

/**
 * The messages of core NATS subject `subject` (wildcards allowed) until unsubscribed. With
 * `queue`, subscribers sharing the queue name split the messages between them. Core NATS has no
 * acks and no redelivery: what arrives while nobody listens is gone.
 */
export function subscribe$(nc: NatsConnection, subject: string, options: { queue?: string } = {}): Observable<Msg> {
  return new Observable<Msg>((subscriber) => {
    const sub = nc.subscribe(subject, {
      queue: options.queue,
      callback: (err, msg) => {
        if (err) subscriber.error(err);
        else subscriber.next(msg);
      },
    });
    // The subscription also ends on its own when the connection closes or drains.
    void sub.closed.then((err) => (err ? subscriber.error(err) : subscriber.complete()));
    return () => sub.unsubscribe();
  });
}

/** The updates of every key of `kv` (current values first), until unsubscribed; stops the watcher on teardown. */
export function kvWatch$(kv: KV): Observable<KvEntry> {
  return new Observable<KvEntry>((subscriber) => {
    let stopped = false;
    let stop: (() => void) | undefined;
    (async () => {
      const watcher = await kv.watch();
      stop = () => watcher.stop();
      if (stopped) return stop();
      for await (const e of watcher) subscriber.next(e);
      if (!stopped) subscriber.complete();
    })().catch((err: unknown) => {
      if (!stopped) subscriber.error(err);
    });
    return () => {
      stopped = true;
      stop?.();
    };
  });
}
