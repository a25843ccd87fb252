import { describe, expect, it } from 'vitest';
import { publishJs, setupRun } from '../../../src/bus/index.ts';
import { InProgress } from '../../../src/bus/working.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();

describe('in-progress acks', () => {
  it('working - a message kept working is not redelivered past the ack wait; once stopped, it is', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run, { ackWaitMs: 1_000 });
    await publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), rolloutRequest({ id: 'slow', run }));
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const msg = await consumer.next({ expires: 2_000 });
    if (!msg) throw new Error('no message');
    const working = new InProgress(300);
    working.hold(msg);
    const started = Date.now();
    // Three ack waits of work: nothing may come back meanwhile.
    while (Date.now() - started < 3_000) {
      expect(await consumer.next({ expires: 1_000 }), 'redelivered while still being worked on').toBeNull();
    }
    working.release(msg);
    expect(working.size).toBe(0);
    let again = await consumer.next({ expires: 2_000 });
    await until(async () => (again ??= await consumer.next({ expires: 1_000 })) !== null, 5_000, 'redelivery after the work stopped');
    expect(again!.info.deliveryCount).toBe(2);
    again!.ack();
    working.stop();
  });
});
