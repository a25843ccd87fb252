import { jetstream } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { OnDemand, publishJs, setupRun, type RunBus } from '../../../src/bus/index.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { sleep, until } from '../../helpers/wait.ts';

const nats = useNatsServer();

async function queued(kind: 'probe' | 'train', n: number, tag: string): Promise<{ bus: RunBus; run: string }> {
  const run = nats.runId();
  const bus = await setupRun(await nats.connect(), run, { ackWaitMs: 30_000 });
  for (let i = 0; i < n; i++) await publishJs(bus.js, bus.names.subjects.rolloutRequest(kind), rolloutRequest({ id: `${tag}-${i}`, run, kind }));
  return { bus, run };
}

async function taker(bus: RunBus, kinds: Array<'probe' | 'train'>, maxMessages: number): Promise<OnDemand> {
  const js = jetstream(await nats.connect());
  const consumers = await Promise.all(kinds.map((k) => js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout(k))));
  return OnDemand.open(consumers, { maxMessages });
}

/** Takes (and acks) from `from` into `into` until `enough` holds, or fails after 5 s saying `what`. */
async function takeUntil(from: OnDemand, into: string[], max: number, lingerMs: number, enough: () => boolean, what: string): Promise<void> {
  await until(
    async () => {
      for (const m of await from.take(max, lingerMs)) {
        into.push(m.subject);
        m.ack();
      }
      return enough();
    },
    5_000,
    what,
  );
}

describe('on demand - pull consumers taken in batches', () => {
  it('on demand - a taker that stops asking holds at most one pull window: a second taker on the queue gets the rest', async () => {
    const { bus } = await queued('probe', 20, 'q');
    const busy = await taker(bus, ['probe'], 4);
    const first = await busy.take(1, 0);
    expect(first).toHaveLength(1);
    // `busy` now works on its message for a long time and takes nothing more.
    await sleep(300);
    const idle = await taker(bus, ['probe'], 4);
    const got: string[] = [];
    await takeUntil(idle, got, 20, 20, () => got.length >= 20 - 1 - 4, 'the second taker gets all but the first taker’s window');
    // What `busy` buffered goes back to the queue when it stops, well before the 30 s ack wait.
    busy.stop();
    first[0]!.ack();
    await takeUntil(idle, got, 20, 20, () => got.length === 19, 'the stopped taker’s buffer handed back');
    idle.stop();
    await until(async () => (await bus.jsm.consumers.info(bus.names.streams.requests, bus.names.consumers.rollout('probe'))).num_ack_pending === 0, 5_000, 'nothing left unacked');
  });

  it('on demand - takes from several consumers into one batch, and a waiting take ends with no messages on stop', async () => {
    const { bus, run } = await queued('probe', 2, 'p');
    for (let i = 0; i < 2; i++) await publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), rolloutRequest({ id: `t-${i}`, run, kind: 'train' }));
    const both = await taker(bus, ['probe', 'train'], 4);
    const batch: string[] = [];
    await takeUntil(both, batch, 4, 50, () => batch.length === 4, 'four requests of two kinds');
    expect(batch.filter((s) => s.endsWith('.train'))).toHaveLength(2);
    const waiting = both.take(4, 50);
    await sleep(100);
    both.stop();
    expect(await waiting).toEqual([]);
    expect(both.done).toBe(true);
  });

  it('on demand - a batch is filled from the consumers in priority order, and what waits is held', async () => {
    const { bus, run } = await queued('probe', 4, 'p');
    for (let i = 0; i < 2; i++) await publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), rolloutRequest({ id: `t-${i}`, run, kind: 'train' }));
    const js = jetstream(await nats.connect());
    const consumers = await Promise.all((['train', 'probe'] as const).map((k) => js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout(k))));
    const arrived: string[] = [];
    const taker = await OnDemand.open(consumers, { maxMessages: 4, onArrive: (m) => arrived.push(m.subject) });
    // Six arrive within the linger; the trains come first whatever order they arrived in.
    const batch = await taker.take(8, 500);
    expect(batch.map((m) => m.subject.split('.').pop())).toEqual(['train', 'train', 'probe', 'probe', 'probe', 'probe']);
    expect(arrived).toHaveLength(6);
    batch.forEach((m) => m.ack());
    taker.stop();
  });
});
