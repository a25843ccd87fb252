import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { decode } from '../../src/protocol/codec.ts';
import type { MessageByType, MessageType } from '../../src/protocol/messages.ts';

/** Every message of a stream (optionally only one subject), decoded as `type`; undecodable ones are skipped. */
export async function readStream<T extends MessageType>(nc: NatsConnection, stream: string, type: T): Promise<Array<MessageByType[T] & { streamSubject: string }>> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: Array<MessageByType[T] & { streamSubject: string }> = [];
  if (!info.state.messages) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  let left = info.state.messages;
  while (left > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(left, 500), expires: 1_000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      const r = decode(m.data, type);
      if (r.ok) out.push({ ...r.value, streamSubject: m.subject });
    }
    if (!got) break;
    left -= got;
  }
  return out;
}
