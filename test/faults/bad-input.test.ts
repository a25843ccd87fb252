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
    for (const p of procs.slice(0, 3)) p.child.kill('SIGTERM');
    expect(await Promise.all(procs.slice(0, 3).map((p) => p.exited))).toEqual([0, 0, 0]);
  }, 480_000);
});
