import { jetstream } from '@nats-io/jetstream';
import { firstValueFrom, map, take, timeout, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { consume$, publishCore, publishJs, setupRun, subscribe$ } from '../../../src/bus/index.ts';
import { decode } from '../../../src/protocol/index.ts';
import { metricsRecord, rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { sleep, until } from '../../helpers/wait.ts';

const nats = useNatsServer();

describe('observable - teardown', () => {
  it('observable - take(1) on consume$ stops the consumer: no further deliveries, buffered messages handed back', async () => {
    const run = nats.runId();
    const publisher = await setupRun(await nats.connect(), run, { ackWaitMs: 30_000 });
    const subject = publisher.names.subjects.rolloutRequest('probe');
    for (let i = 0; i < 5; i++) await publishJs(publisher.js, subject, rolloutRequest({ id: `a-${i}`, run }));

    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 30_000 });
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const info = () => publisher.jsm.consumers.info(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    // The first message is handed over only once all 5 are in the client's buffer: the server has
    // sent them and a flush round trip has read them. Otherwise, on a loaded machine, some are
    // still on the wire at teardown, and those come back only after the 30 s ack wait (consume$).
    const allBuffered = {
      consume: async (options: Parameters<typeof consumer.consume>[0]) => {
        const iter = await consumer.consume(options);
        const inner = iter[Symbol.asyncIterator]();
        let first = true;
        return Object.assign(iter, {
          [Symbol.asyncIterator]: () => ({
            next: async () => {
              const next = await inner.next();
              if (first) {
                first = false;
                await until(async () => (await info()).delivered.consumer_seq === 5, 3_000, 'all 5 delivered');
                await nc.flush();
              }
              return next;
            },
          }),
        });
      },
    } as unknown as typeof consumer;
    const msg = await firstValueFrom(consume$(allBuffered, { maxMessages: 10 }).pipe(take(1), timeout(5_000)));
    msg.ack();

    // More work arrives: nobody pulls any more, and no abandoned pull request is left on the
    // server to swallow it (the consumer's delivery sequence does not move).
    const before = (await info()).delivered.consumer_seq;
    for (let i = 0; i < 5; i++) await publishJs(publisher.js, subject, rolloutRequest({ id: `b-${i}`, run }));
    await sleep(300);
    const after = await info();
    expect(after.delivered.consumer_seq).toBe(before);
    expect(after.num_waiting).toBe(0);

    // The 4 the client had buffered were handed back (well before the 30 s ack wait), so the next
    // actor gets all 9.
    const next = await nats.connect();
    const c2 = await jetstream(next).consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const rest = await firstValueFrom(consume$(c2, { maxMessages: 10 }).pipe(take(9), toArray(), timeout(5_000)));
    rest.forEach((m) => m.ack());
    const ids = rest.map((m) => { const r = decode(m.data, 'rollout.request'); return r.ok ? r.value.id : '?'; });
    expect(new Set(ids)).toEqual(new Set(['a-1', 'a-2', 'a-3', 'a-4', 'b-0', 'b-1', 'b-2', 'b-3', 'b-4']));
  });

  it('observable - an error downstream tears the consumer down; the message in hand returns after ack_wait', async () => {
    const run = nats.runId();
    const bus = await setupRun(await nats.connect(), run, { ackWaitMs: 1_000 });
    await publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), rolloutRequest({ id: 'boom', run, kind: 'train' }));
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('train'));
    const failing = consume$(consumer, { maxMessages: 4 }).pipe(
      map(() => {
        throw new Error('handler bug');
      }),
    );
    await expect(firstValueFrom(failing)).rejects.toThrow('handler bug');
    await until(async () => {
      const ci = await bus.jsm.consumers.info(bus.names.streams.requests, bus.names.consumers.rollout('train'));
      return ci.num_waiting === 0;
    }, 5_000, 'pull request released');
    // The handler died holding the message, like a crashed actor: it comes back after ack_wait.
    const c2 = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('train'));
    const again = await firstValueFrom(consume$(c2, { maxMessages: 1 }).pipe(timeout(5_000)));
    expect(again.info.deliveryCount).toBe(2);
    again.ack();
  });

  it('observable - subscribe$ delivers core messages and unsubscribes on teardown', async () => {
    const run = nats.runId();
    const nc = await nats.connect();
    const other = await nats.connect();
    const bus = await setupRun(nc, run);
    const subject = bus.names.subjects.metrics('rollout');
    const got = firstValueFrom(
      subscribe$(nc, bus.names.subjects.allMetrics).pipe(
        map((m) => decode(m.data, 'metrics.record')),
        take(2),
        toArray(),
        timeout(5_000),
      ),
    );
    await nc.flush();
    publishCore(other, subject, metricsRecord({ step: 1 }));
    publishCore(other, subject, metricsRecord({ step: 2 }));
    const records = await got;
    expect(records.map((r) => r.ok && r.value.step)).toEqual([1, 2]);

    // Torn down by take(2): further messages do not reach `nc`.
    await nc.flush();
    const before = nc.stats().inMsgs;
    publishCore(other, subject, metricsRecord({ step: 3 }));
    await other.flush();
    await sleep(200);
    expect(nc.stats().inMsgs).toBe(before);
    // The metrics stream kept all three for replay.
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.metrics)).state.messages === 3, 2_000, 'metrics stored');
  });
});
