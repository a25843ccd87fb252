import { describe, expect, it } from 'vitest';
import { publishJs, setupRun } from '../../../src/bus/index.ts';
import { queuedRequestIds } from '../../../src/bus/queued.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';

const nats = useNatsServer();

describe('queued requests', () => {
  it('queued - the ids still in the work queue, past the gaps acked requests leave; a copy of an id is one id', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run);
    const subject = bus.names.subjects.rolloutRequest('train');
    expect(await queuedRequestIds(bus.jsm, bus.names.streams.requests)).toEqual(new Set());
    for (const id of ['a', 'b', 'c', 'd']) await publishJs(bus.js, subject, rolloutRequest({ id, run, kind: 'train' }));
    // A copy under another dedup id: what a re-send after a broker restart leaves in the queue.
    await publishJs(bus.js, subject, rolloutRequest({ id: 'c', run, kind: 'train' }), { msgID: 'c-again' });
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('train'));
    // Ack b only: an interior gap, with a still queued before it.
    const taken = [];
    for await (const m of await consumer.fetch({ max_messages: 2, expires: 2_000 })) taken.push(m);
    expect(taken).toHaveLength(2);
    await taken[1]!.ackAck();
    taken[0]!.nak();
    expect(await queuedRequestIds(bus.jsm, bus.names.streams.requests)).toEqual(new Set(['a', 'c', 'd']));
  });
});
