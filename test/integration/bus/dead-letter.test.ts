import { Packr } from 'msgpackr';
import { createHash, randomBytes } from 'node:crypto';
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  consume$,
  DEAD_LETTER_COPY_BYTES,
  DeadLetterCounter,
  deadLetterExhausted$,
  decodeOrDeadLetter,
  publishCore,
  publishJs,
  setupRun,
  subscribe$,
} from '../../../src/bus/index.ts';
import { decode, PROTOCOL_VERSION } from '../../../src/protocol/index.ts';
import * as make from '../../helpers/messages.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { readStream } from '../../helpers/streams.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();
const plain = new Packr({ moreTypes: true, useRecords: false });

describe('dead letters', () => {
  it('dead letters - malformed messages are quarantined with the reason, acked and counted; the consumer keeps going', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run, { ackWaitMs: 1_000 });
    const subject = bus.names.subjects.rolloutRequest('train');
    await publishJs(bus.js, subject, rolloutRequest({ id: 'ok-1', run, kind: 'train' }));
    await bus.js.publish(subject, new TextEncoder().encode('definitely not msgpack'));
    await bus.js.publish(subject, plain.pack({ ...rolloutRequest({ id: 'v2', run }), v: PROTOCOL_VERSION + 1 }));
    await bus.js.publish(subject, plain.pack({ ...rolloutRequest({ id: 'bad-prompt', run }), prompt: [1, 2] }));
    await publishJs(bus.js, subject, rolloutRequest({ id: 'ok-2', run, kind: 'train' }));

    const counter = new DeadLetterCounter();
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('train'));
    const good = await firstValueFrom(
      consume$(consumer).pipe(
        decodeOrDeadLetter('rollout.request', { js: bus.js, run, actor: 'rollout-t', counter }),
        take(2),
        toArray(),
        timeout(5_000),
      ),
    );
    good.forEach(({ msg }) => msg.ack());
    expect(good.map(({ value }) => value.id)).toEqual(['ok-1', 'ok-2']);
    await until(() => counter.total === 3, 5_000, 'three dead letters');
    expect(counter.byCause()).toEqual({ malformed: 1, version: 1, invalid: 1 });

    // Everything was acked: the work queue is empty, nothing comes back after ack_wait.
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.requests)).state.messages === 0, 5_000, 'empty queue');

    const dead = await bus.jsm.streams.info(bus.names.streams.dead);
    expect(dead.state.messages).toBe(3);
    const first = await bus.jsm.streams.getMessage(bus.names.streams.dead, { seq: dead.state.first_seq });
    const letter = decode(first!.data, 'dead.letter');
    if (!letter.ok) throw new Error(letter.reason);
    expect(letter.value.reason).toMatch(/^not a msgpack value/);
    expect(letter.value.subject).toBe(subject);
    expect(letter.value.actor).toBe('rollout-t');
    expect(new TextDecoder().decode(letter.value.raw)).toBe('definitely not msgpack');
    expect(letter.value.seq).toBe(2);
  });

  it('dead letters - a message nobody acks within max_deliver deliveries is moved to the dead subject', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run, { ackWaitMs: 500, maxDeliver: 2 });
    const counter = new DeadLetterCounter();
    const watcher = deadLetterExhausted$({ ...bus, nc, actor: 'watcher', counter });
    const exhausted = firstValueFrom(watcher.pipe(timeout(8_000)));
    await nc.flush(); // the advisory subscription is live before anything can be exhausted

    await publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), rolloutRequest({ id: 'poison', run, kind: 'probe' }));
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    // An actor that keeps pulling but never acks (it crashes on this message every time). The
    // server notices the exhaustion when it would deliver a third time, so someone must pull.
    const counts: number[] = [];
    const sub = consume$(consumer, { maxMessages: 1 }).subscribe((m) => counts.push(m.info.deliveryCount));

    const e = await exhausted.finally(() => sub.unsubscribe());
    expect(counts).toEqual([1, 2]);
    expect(e).toMatchObject({ stream: bus.names.streams.requests, consumer: 'rollout_probe', deliveries: 2 });
    expect(counter.byCause()).toEqual({ max_deliver: 1 });
    const dead = await bus.jsm.streams.getMessage(bus.names.streams.dead, { last_by_subj: bus.names.subjects.dead });
    const letter = decode(dead!.data, 'dead.letter');
    expect(letter.ok && letter.value.reason).toBe('not acked after 2 deliveries to consumer rollout_probe (max_deliver)');
    const original = letter.ok ? decode(letter.value.raw, 'rollout.request') : undefined;
    expect(original?.ok && original.value.id).toBe('poison');
    expect((await bus.jsm.streams.info(bus.names.streams.requests)).state.messages).toBe(0);
  });

  it('dead letters - a placeholder published first under a guessable id does not swallow the real dead letter', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run);
    const subject = bus.names.subjects.rolloutRequest('probe');
    // The forger knows the next sequence (1) and the old id rule `dead:<subject>:<seq>`.
    const forged = { ...make.deadLetter({ reason: 'nothing to see', subject }), id: 'forged' };
    for (const msgID of [`dead:${subject}:1`, `dead:${subject}:1:x`]) await publishJs(bus.js, bus.names.subjects.dead, forged, { msgID });
    await bus.js.publish(subject, new TextEncoder().encode('garbage'));
    const counter = new DeadLetterCounter();
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('probe'));
    const sub = consume$(consumer).pipe(decodeOrDeadLetter('rollout.request', { js: bus.js, run, actor: 'rollout-t', counter })).subscribe();
    await until(() => counter.total === 1, 5_000, 'the real dead letter stored').finally(() => sub.unsubscribe());
    const letters = await readStream(nc, bus.names.streams.dead, 'dead.letter');
    expect(letters.map((d) => d.reason)).toEqual(['nothing to see', 'nothing to see', expect.stringMatching(/^not a msgpack value/)]);
    expect(letters[2]!.seq).toBe(1);
  });

  it('dead letters - a message too big to copy keeps its first bytes, its size and its SHA-256', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run);
    const subject = bus.names.subjects.rolloutRequest('sweep');
    const big = randomBytes(nc.info!.max_payload - 1024); // near the broker's 1 MB limit: no room for a copy and an envelope
    await bus.js.publish(subject, big);
    const counter = new DeadLetterCounter();
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('sweep'));
    const sub = consume$(consumer).pipe(decodeOrDeadLetter('rollout.request', { js: bus.js, run, actor: 'rollout-t', counter })).subscribe();
    await until(() => counter.total === 1, 5_000, 'the big message dead-lettered').finally(() => sub.unsubscribe());
    const [letter] = await readStream(nc, bus.names.streams.dead, 'dead.letter');
    expect(letter!.rawBytes).toBe(big.length);
    expect(letter!.rawSha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(letter!.raw.length).toBe(DEAD_LETTER_COPY_BYTES);
    expect(Buffer.from(letter!.raw).equals(big.subarray(0, DEAD_LETTER_COPY_BYTES))).toBe(true);
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.requests)).state.messages === 0, 5_000, 'the original acked');
  });

  it('dead letters - another run\'s request and a metrics record named unlike its subject are dead-lettered with the reason', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run);
    await publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), rolloutRequest({ id: 'elsewhere', run: 'another-run', kind: 'train' }));
    const counter = new DeadLetterCounter();
    const sink = { js: bus.js, run, actor: 'edge', counter };
    const consumer = await bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout('train'));
    const subs = [
      consume$(consumer).pipe(decodeOrDeadLetter('rollout.request', sink)).subscribe(),
      subscribe$(nc, bus.names.subjects.allMetrics).pipe(decodeOrDeadLetter('metrics.record', sink)).subscribe(),
    ];
    await nc.flush();
    publishCore(nc, bus.names.subjects.metrics('fuzz'), make.metricsRecord({ name: 'learner', step: 987654321 }));
    await until(() => counter.total === 2, 5_000, 'two dead letters').finally(() => subs.forEach((s) => s.unsubscribe()));
    expect(counter.byCause()).toEqual({ foreign: 1, subject: 1 });
    const reasons = (await readStream(nc, bus.names.streams.dead, 'dead.letter')).map((d) => d.reason).sort();
    expect(reasons).toEqual([
      `metrics.record with name "learner" does not belong on subject saturn.${run}.metrics.fuzz`,
      `rollout.request of run "another-run" on run ${run}'s subject saturn.${run}.rollout.req.train`,
    ]);
  });
});
