import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { consume$, decodeOrDeadLetter, publishJs, setupRun, type RunBus } from '../../../src/bus/index.ts';
import { decode } from '../../../src/protocol/index.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();

async function publishRequests(bus: RunBus, n: number, prefix = 'r'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  await Promise.all(
    ids.map((id) => publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), rolloutRequest({ id, run: bus.names.run }))),
  );
  return ids;
}

describe('work queue - rollout requests', () => {
  it('work queue - N published requests are each consumed exactly once by competing actors, then gone', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run, { ackWaitMs: 5_000 });
    const ids = await publishRequests(bus, 200);
    // Two actors on separate connections pull from the same durable consumer.
    const actors = await Promise.all([nats.connect(), nats.connect()]);
    const seen: string[] = [];
    const sink = { js: bus.js, run, actor: 'test' };
    const done = actors.map(async (nc) => {
      const bus2 = await setupRun(nc, run, { ackWaitMs: 5_000 });
      const consumer = await bus2.js.consumers.get(bus2.names.streams.requests, bus2.names.consumers.rollout('probe'));
      return consume$(consumer, { maxMessages: 16 }).pipe(decodeOrDeadLetter('rollout.request', sink));
    });
    const streams = await Promise.all(done);
    const subs = streams.map((s$) =>
      s$.subscribe(({ msg, value }) => {
        seen.push(value.id);
        msg.ack();
      }),
    );
    await until(() => seen.length >= ids.length, 10_000);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would show up now
    subs.forEach((s) => s.unsubscribe());
    expect(seen.length).toBe(ids.length);
    expect(new Set(seen)).toEqual(new Set(ids));
    // Work-queue retention: acked messages leave the stream.
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.requests)).state.messages === 0, 5_000);
  });

  it('work queue - a message taken but never acked (the actor died) is redelivered after ack_wait', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run, { ackWaitMs: 1_000 });
    await publishRequests(bus, 1, 'lost');
    const doomed = await nats.connect();
    const c1 = await jetstream(doomed).consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const first = await firstValueFrom(consume$(c1, { maxMessages: 1 }).pipe(timeout(5_000)));
    expect(first.redelivered).toBe(false);
    await doomed.close(); // dies holding the message, unacked

    const started = Date.now();
    const survivor = await nats.connect();
    const c2 = await jetstream(survivor).consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const again: JsMsg = await firstValueFrom(consume$(c2, { maxMessages: 1 }).pipe(timeout(5_000)));
    const waited = Date.now() - started;
    expect(again.redelivered).toBe(true);
    expect(again.info.deliveryCount).toBe(2);
    const r = decode(again.data, 'rollout.request');
    expect(r.ok && r.value.id).toBe('lost-0');
    expect(waited).toBeGreaterThan(500); // not before the ack wait ran out
    again.ack();
  });

  it('work queue - a message is not handed to another actor while the first one still holds it', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run, { ackWaitMs: 3_000 });
    await publishRequests(bus, 1, 'held');
    const c1 = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const held = await firstValueFrom(consume$(c1, { maxMessages: 1 }).pipe(timeout(5_000)));
    const other = await nats.connect();
    const c2 = await jetstream(other).consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const nothing = await firstValueFrom(consume$(c2, { maxMessages: 1 }).pipe(take(1), toArray(), timeout({ first: 1_000, with: () => [[]] })));
    expect(nothing).toEqual([]);
    held.ack();
  });
});
