/**
 * Building envelopes, so senders never spell the protocol version or forget a timestamp.
 */
import { randomUUID } from 'node:crypto';
import type { Envelope, MessageType } from './messages.ts';
import { PROTOCOL_VERSION } from './version.ts';

/**
 * The envelope of a new message of `type`: current protocol version, a fresh random id unless
 * one is given (results reuse their request's id), and `now()` as the timestamp.
 *
 * @example
 * const req: RolloutRequest = { ...envelope('rollout.request'), run, kind: 'probe', ... };
 */
export function envelope<T extends MessageType>(
  type: T,
  id: string = randomUUID(),
  now: () => number = Date.now,
): Envelope<T> {
  return { v: PROTOCOL_VERSION, type, id, ts: now() };
}
