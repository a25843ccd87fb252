import { describe, expect, it } from 'vitest';
import {
  BusPublishError,
  consume$,
  decodeOrDeadLetter,
  publishJs,
  SeenSet,
  setupRun,
  skipDuplicates,
} from '../../../src/bus/index.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { sleep, until } from '../../helpers/wait.ts';

const nats = useNatsServer();

/** Publishes until the stream confirms, retrying through a broker outage with the same msgID. */
async function publishUntilStored(fn: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await fn();
      return;
    } catch (err) {
      if (!(err instanceof BusPublishError) || !err.retryable) throw err;
      await sleep(100);
    }
  }
}

describe('restart - broker restarts mid-stream', () => {
  it.each([
    ['graceful stop', false],
    ['SIGKILL', true],
  ])('restart - after a %s and restart nothing published is lost and nothing is counted twice', async (_how, kill) => {
    const run = nats.runId();
    const opts = { ackWaitMs: 2_000 };
    const producer = await setupRun(await nats.connect(), run, opts);
    const actor = await setupRun(await nats.connect(), run, opts);
    const subject = producer.names.subjects.rolloutRequest('train');
    const ids = Array.from({ length: 120 }, (_, i) => `m-${i}`);

    const handled: string[] = [];
    const seen = new SeenSet(1_000);
    const consumer = await actor.js.consumers.get(actor.names.streams.requests, actor.names.consumers.rollout('train'));
    const sub = consume$(consumer, { maxMessages: 10 })
      .pipe(
        decodeOrDeadLetter('rollout.request', { js: actor.js, run, actor: 'a' }),
        skipDuplicates(seen, ({ value }) => value.id, ({ msg }) => msg.ack()),
      )
      .subscribe(({ msg, value }) => {
        handled.push(value.id);
        msg.ack();
      });

    const publishAll = (async () => {
      for (const id of ids) {
        await publishUntilStored(() => publishJs(producer.js, subject, rolloutRequest({ id, run, kind: 'train' }), { timeoutMs: 1_000 }));
        await sleep(2);
      }
    })();

    await until(() => handled.length >= 40, 10_000, '40 handled before the restart');
    if (kill) await nats.server.kill();
    await nats.server.restart();
    await publishAll;
    await until(() => handled.length >= ids.length, 20_000, 'all handled after the restart');
    // Acks in flight when the broker went down are lost; those messages come back after ack_wait
    // and are recognised as duplicates (and acked) rather than handled again.
    await until(async () => (await producer.jsm.streams.info(producer.names.streams.requests)).state.messages === 0, 10_000, 'queue drained');
    sub.unsubscribe();

    expect(handled.length).toBe(ids.length);
    expect(new Set(handled)).toEqual(new Set(ids));
  });
});
