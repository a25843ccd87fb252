import { AckPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { setupRun } from '../../src/bus/setup.ts';
import { decode } from '../../src/protocol/codec.ts';
import { SMALL_RUN, useActors } from '../helpers/actors.ts';
import { controlRequest, metricsRecord, rolloutRequest, rolloutResult, weightsAnnouncement } from '../helpers/messages.ts';
import { useNatsServer } from '../helpers/nats.ts';
import { readStream } from '../helpers/streams.ts';
import { until } from '../helpers/wait.ts';

const packr = new Packr({ moreTypes: true, useRecords: false });

/** The four kinds of bad input, for a subject whose valid message is `valid`. */
function badPayloads(valid: Record<string, unknown>): Record<string, Uint8Array> {
  return {
    garbage: new Uint8Array([0xc1, 0xff, 0x00, 0x13, 0x37, 0xde, 0xad]),
    shape: packr.pack({ v: 1, type: valid.type, id: 'bad-shape', ts: 1, hello: 'world' }),
    // Over the receivers' limits: token arrays past 4096 entries, strings past 4096 characters.
    oversized: packr.pack({
      ...valid,
      id: 'bad-size',
      prompt: new Int32Array(5000).fill(3),
      samples: [{ tokens: new Int32Array(5000), logProbs: new Float32Array(5000), reward: 1, stopped: true }],
      name: 'x'.repeat(5000),
      objectName: 'x'.repeat(5000),
      args: { questionIds: 'x'.repeat(5000) },
    }),
    version: packr.pack({ ...valid, id: 'bad-version', v: 99 }),
  };
}

describe('bad input', () => {
  const nats = useNatsServer();
  const actors = useActors();

  it('bad input - every subject dead-letters garbage, wrong shapes, oversized arrays and wrong versions; actors keep running', async () => {
    const run = nats.runId();
    const args = ['--nats', nats.url, '--run', run, '--config', actors.configFile(SMALL_RUN)];
    const procs = [
      actors.start('rollout', [...args, '--id', 'r1']),
      actors.start('selector', [...args, '--id', 'selector']),
      actors.start('controller', [...args, '--id', 'controller']),
      actors.start('learner', [...args, '--id', 'learner', '--max-steps', '3']),
    ];
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    // Core subjects keep nothing for a receiver not yet subscribed: publish only once every actor has
    // beaten, which each does right after its subscriptions are made.
    for (const id of ['r1', 'selector', 'controller', 'learner']) {
      await until(async () => (await bus.state.get(`heartbeat.${id}`)) !== null, 120_000, `${id} up`);
    }

    const request = rolloutRequest({ run });
    const result = rolloutResult();
    const jetstreamSubjects = [
      ...(['probe', 'sweep', 'train'] as const).map((k) => [bus.names.subjects.rolloutRequest(k), request] as const),
      ...(['probe', 'sweep', 'train'] as const).map((k) => [bus.names.subjects.rolloutResult(k), { ...result, kind: k }] as const),
    ];
    for (const [subject, valid] of jetstreamSubjects) {
      for (const bytes of Object.values(badPayloads(valid as unknown as Record<string, unknown>))) await bus.js.publish(subject, bytes);
    }
    const core = [
      [bus.names.subjects.control('refresh'), controlRequest({ cmd: 'refresh' })],
      [bus.names.subjects.metrics('variance'), metricsRecord({ name: 'variance' })],
      [bus.names.subjects.weightsAnnounce, weightsAnnouncement()],
    ] as const;
    const coreSubjects = core.map(([subject]) => subject);
    for (const [subject, valid] of core) {
      for (const bytes of Object.values(badPayloads(valid as unknown as Record<string, unknown>))) nc.publish(subject, bytes);
    }

    // Content the schema alone let through, and what arrives through a bucket or an advisory.
    const nanLogProbs = { ...rolloutResult({ id: 'train:s2:0', kind: 'train', groupId: 'g#0' }), samples: [{ tokens: new Int32Array([3]), logProbs: new Float32Array([NaN]), reward: 1, stopped: true }] };
    await bus.js.publish(bus.names.subjects.rolloutResult('train'), packr.pack(nanLogProbs));
    await bus.js.publish(bus.names.subjects.rolloutRequest('probe'), packr.pack(rolloutRequest({ id: 'elsewhere', run: 'another-run' })));
    const poolKeyOf = Buffer.from('easy:bad', 'utf8').toString('base64url');
    await bus.pool.put(poolKeyOf, '{"questionId":"easy:bad","pHat":"high"}'); // a plain client's JSON
    // A forged v1,000,000 pointing at real bytes (right size and hash): it must not be adopted.
    const real = decode((await bus.state.get(bus.names.stateKeys.latestWeights))!.value, 'weights.announcement');
    if (!real.ok) throw new Error(real.reason);
    const forged = { ...real.value, id: 'forged-weights', version: 1_000_000 };
    await bus.state.put(bus.names.stateKeys.latestWeights, packr.pack(forged));
    nc.publish(bus.names.subjects.weightsAnnounce, packr.pack(forged));
    // A result nobody acks within max_deliver: some actor's watcher must dead-letter it.
    // On a result subject of a kind no saturn consumer reads, so only `poison` ever takes it.
    const unread = bus.names.subjects.rolloutResult('train').replace(/train$/, 'unread');
    await bus.js.publish(unread, packr.pack(rolloutResult({ id: 'unacked' })));
    await bus.jsm.consumers.add(bus.names.streams.results, { durable_name: 'poison', ack_policy: AckPolicy.Explicit, ack_wait: nanos(1_000), max_deliver: 1, filter_subject: unread });
    const poison = await bus.js.consumers.get(bus.names.streams.results, 'poison');
    expect(await poison.next({ expires: 2_000 })).not.toBeNull(); // taken, never acked
    const contentReasons = [
      { subject: bus.names.subjects.rolloutResult('train'), reason: /logProbs\[0\]: expected a finite number, got NaN/ },
      { subject: bus.names.subjects.rolloutRequest('probe'), reason: /rollout\.request of run "another-run"/ },
      { subject: `$KV.${bus.names.buckets.pool}.${poolKeyOf}`, reason: new RegExp(`^pool key ${poolKeyOf}: `) },
      { subject: bus.names.subjects.weightsAnnounce, reason: /v1000000: names object weights\/v\d+, not its version's/ },
      { subject: unread, reason: /^not acked after 1 deliveries to consumer poison \(max_deliver\)$/ },
    ];
    await until(async () => {
      await poison.next({ expires: 1_000 }); // exhaustion is noticed when the server would deliver again
      const d = await readStream(nc, bus.names.streams.dead, 'dead.letter');
      return contentReasons.every((c) => d.some((x) => x.subject === c.subject && c.reason.test(x.reason)));
    }, 60_000, 'content faults dead-lettered').catch(async (e) => {
      const d = await readStream(nc, bus.names.streams.dead, 'dead.letter');
      throw new Error(`${e.message}; have ${d.map((x) => `${x.subject}: ${x.reason}`).join('\n')}`);
    });

    const expected = [...jetstreamSubjects.map(([s]) => s), ...coreSubjects];
    let dead: Awaited<ReturnType<typeof readStream<'dead.letter'>>> = [];
    const missing = () => expected.filter((s) => dead.filter((d) => d.subject === s).length < 4);
    await until(async () => {
      dead = await readStream(nc, bus.names.streams.dead, 'dead.letter');
      return missing().length === 0;
    }, 60_000, 'every bad message dead-lettered').catch((e) => {
      throw new Error(`${e.message}; short of 4: ${missing().join(', ')}; have ${dead.map((d) => d.subject).join(', ')}`);
    });
    for (const d of dead) expect(d.reason.length).toBeGreaterThan(5);
    const reasons = dead.map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/version/i);
    expect(reasons).toMatch(/4096|at most|too (long|many)/i);

    // Nothing crashed: the learner still finishes its steps and the other actors are alive and beating.
    expect(await procs[3]!.exited, procs[3]!.output().slice(-2000)).toBe(0);
    for (const p of procs.slice(0, 3)) expect(p.child.exitCode, `${p.kind} still running`).toBe(null);
    const beat = decode((await bus.state.get('heartbeat.r1'))!.value, 'heartbeat');
    expect(beat.ok && Date.now() - beat.value.ts).toBeLessThan(5_000);
    // The rollout actor followed the real learner, never the forged v1,000,000.
    const latest = decode((await bus.state.get(bus.names.stateKeys.latestWeights))!.value, 'weights.announcement');
    const realVersion = latest.ok ? latest.value.version : -1;
    expect(realVersion).toBeGreaterThanOrEqual(1);
    expect(realVersion).toBeLessThan(1_000_000);
    expect(beat.ok && beat.value.policyVersion).toBeGreaterThanOrEqual(1);
    expect(beat.ok && beat.value.policyVersion).toBeLessThanOrEqual(realVersion);
    for (const p of procs.slice(0, 3)) p.child.kill('SIGTERM');
    expect(await Promise.all(procs.slice(0, 3).map((p) => p.exited))).toEqual([0, 0, 0]);
  }, 480_000);
});
