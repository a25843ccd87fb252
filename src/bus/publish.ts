/**
 * Publishing protocol messages: encoded (and so validated) here, never by hand at a call site.
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encode } from '../protocol/codec.ts';
import { DEFAULT_LIMITS, type Limits, type Message } from '../protocol/messages.ts';
import { BusPublishError } from './errors.ts';

/** Options of {@link publishJs}. */
export interface PublishJsOptions {
  /**
   * Deduplication id sent as `Nats-Msg-Id`: the stream stores a message with an id it has seen
   * within its duplicate window only once (the PubAck then says `duplicate: true`). Defaults to
   * the message's own `id`, so re-publishing a request — or a result, whose id is its request's
   * id — after a lost ack or a redelivery is harmless.
   */
  msgID?: string;
  /** How long to wait for the stream's ack, ms (default: the JetStream context's timeout). */
  timeoutMs?: number;
  /** Fail unless the subject is stored by this stream (guards against a mistyped subject). */
  expectStream?: string;
  limits?: Limits;
}

/**
 * Publishes `msg` to JetStream subject `subject` and waits for the stream to store it.
 * Throws `ValidationError` for an invalid message (before sending) and {@link BusPublishError}
 * when no stream acknowledged it; that one is retryable, and retrying with the same `msgID` is
 * safe.
 */
export async function publishJs(
  js: JetStreamClient,
  subject: string,
  msg: Message,
  options: PublishJsOptions = {},
): Promise<PubAck> {
  const data = encode(msg, options.limits ?? DEFAULT_LIMITS);
  try {
    return await js.publish(subject, data, {
      msgID: options.msgID ?? msg.id,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      ...(options.expectStream === undefined ? {} : { expect: { streamName: options.expectStream } }),
    });
  } catch (err) {
    throw new BusPublishError(subject, (err as Error).message ?? String(err), { cause: err, retryable: true });
  }
}

/**
 * Publishes `msg` on core NATS (fire and forget: metrics, announcements, heartbeats). A stream
 * bound to the subject still stores it, but nobody confirms that it did.
 */
export function publishCore(nc: NatsConnection, subject: string, msg: Message, limits: Limits = DEFAULT_LIMITS): void {
  nc.publish(subject, encode(msg, limits));
}
