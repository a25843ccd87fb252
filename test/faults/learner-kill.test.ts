import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.ts';
import { subscribe$ } from '../../src/bus/observable.ts';
import { setupRun } from '../../src/bus/setup.ts';
import { sha256Hex } from '../../src/bus/weights.ts';
import { stepOfRequest } from '../../src/learner/plan.ts';
import { trainRequestId } from '../../src/learner/requests.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { decode } from '../../src/protocol/codec.ts';
import type { RolloutRequest } from '../../src/protocol/messages.ts';
import { SMALL_RUN, useActors, type ActorProcess } from '../helpers/actors.ts';
import { useNatsServer } from '../helpers/nats.ts';
import { runLedger } from '../helpers/run-checks.ts';
import { readStream } from '../helpers/streams.ts';
import { sleep, until } from '../helpers/wait.ts';

const MAX_STEPS = 5;
const RUN = { ...SMALL_RUN, learner: { ...SMALL_RUN.learner, promptsPerStep: 2, groupSize: 4, minPool: 1, poolWaitSeconds: 1 } };

describe('faults', () => {
  const nats = useNatsServer();
  const actors = useActors();
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('faults - kill -9 the learner between planning and training a step, and right after it announces weights; broker down 60 s: trained samples answer their requests, no step trained twice, no version with two contents, no actor exits on its own', async () => {
    const run = nats.runId();
    const args = ['--nats', nats.url, '--run', run, '--config', actors.configFile(RUN)];
    const others = [actors.start('rollout', [...args, '--id', 'r1']), actors.start('rollout', [...args, '--id', 'r2']), actors.start('selector', args)];
    const learners: ActorProcess[] = [actors.start('learner', [...args, '--max-steps', String(MAX_STEPS)])];
    const learner = () => learners.at(-1)!;
    const logs = () => [...learners, ...others].map((p) => `--- ${p.kind} ${p.child.pid} exit ${p.child.exitCode}\n${p.output().slice(-2500)}`).join('\n');
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });

    // What the broker carried: every weights announcement and every training request.
    const announced = new Map<number, Set<string>>();
    let killOnAnnouncementAbove = Infinity;
    subscribe$(nc, bus.names.subjects.weightsAnnounce).subscribe((m) => {
      const a = decode(m.data, 'weights.announcement');
      if (!a.ok) return;
      if (!announced.has(a.value.version)) announced.set(a.value.version, new Set());
      announced.get(a.value.version)!.add(a.value.sha256);
      if (a.value.version > killOnAnnouncementAbove) learner().child.kill('SIGKILL');
    });
    const requests = new Map<string, RolloutRequest>();
    subscribe$(nc, bus.names.subjects.rolloutRequest('train')).subscribe((m) => {
      const r = decode(m.data, 'rollout.request');
      if (r.ok) requests.set(r.value.id, r.value);
    });
    await nc.flush();
    const checkpointed = async () => Number(new TextDecoder().decode((await bus.state.get('learner.step'))?.value ?? new Uint8Array()) || 0);
    const lastResultStep = async () => {
      const m = await bus.jsm.streams.getMessage(bus.names.streams.results, { last_by_subj: bus.names.subjects.rolloutResult('train') }).catch(() => null);
      const r = m ? decode(m.data, 'rollout.result') : undefined;
      return r?.ok ? (stepOfRequest(r.value.requestId) ?? 0) : 0;
    };
    const resume = async () => {
      await learner().exited;
      learners.push(actors.start('learner', [...args, '--max-steps', String(MAX_STEPS), '--resume']));
    };
    const fail = (e: unknown) => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    };

    // 1. Between planning and training: results of a step the learner has not trained yet are in.
    await until(async () => {
      const done = await checkpointed();
      return done >= 1 && (await lastResultStep()) > done;
    }, 240_000, 'results of a step not trained yet').catch(fail);
    learner().child.kill('SIGKILL');
    await resume();

    // 2. Right after it announces weights newer than any before: killed on hearing the announcement.
    killOnAnnouncementAbove = Math.max(...announced.keys());
    await until(() => learner().child.exitCode !== null || learner().child.signalCode !== null, 240_000, 'the resumed learner announcing weights').catch(fail);
    killOnAnnouncementAbove = Infinity;
    const killedAt = await checkpointed();
    await resume();

    // 3. The broker away for 60 s once the third learner has trained a step.
    await until(async () => (await checkpointed()) > killedAt, 240_000, 'a step of the third learner').catch(fail);
    await nats.server.stop();
    await sleep(60_000);
    await nats.server.startAgain();

    const finished = await Promise.race([learner().exited, sleep(300_000).then(() => 'timeout' as const)]);
    expect(finished, logs()).toBe(0);
    expect(others.map((p) => p.child.exitCode), `no actor exits on its own\n${logs()}`).toEqual([null, null, null]);
    for (const p of others) p.child.kill('SIGTERM');
    expect(await Promise.all(others.map((p) => p.exited))).toEqual([0, 0, 0]);

    const metrics = await readStream(nc, bus.names.streams.metrics, 'metrics.record');
    const results = await readStream(nc, bus.names.streams.results, 'rollout.result');
    const dead = await readStream(nc, bus.names.streams.dead, 'dead.letter');
    // No step trained twice, none missing: one `learner` record per step, from the stream itself.
    const trained = metrics.filter((m) => m.name === 'learner').map((m) => m.step).sort((a, b) => a - b);
    expect(trained, logs()).toEqual(Array.from({ length: MAX_STEPS }, (_, i) => i + 1));
    // No weights version announced with two different contents.
    for (const [version, shas] of announced) expect(shas.size, `version ${version}`).toBe(1);
    const latest = decode((await bus.state.get(bus.names.stateKeys.latestWeights))!.value, 'weights.announcement');
    expect(latest.ok && sha256Hex((await bus.weights.getBlob(latest.value.objectName))!)).toBe(latest.ok && latest.value.sha256);
    expect(latest.ok && [...announced.get(latest.value.version)!]).toEqual(latest.ok && [latest.value.sha256]);
    // Every request id names the prompt it carried, and every result answers the request of its id.
    for (const r of requests.values()) {
      const [, step, index] = /^train:s(\d+):(\d+):/.exec(r.id)!.map(Number);
      const rounds = Array.from({ length: 8 }, (_, round) => trainRequestId(run, step!, round, index!, r));
      expect(rounds, r.id).toContain(r.id);
    }
    const train = results.filter((r) => r.kind === 'train');
    for (const r of train) {
      const q = requests.get(r.requestId);
      if (!q) continue; // sent while the test's own connection was away
      expect([r.questionId, r.groupId, r.samples.length], r.requestId).toEqual([q.questionId, q.groupId, q.n]);
    }
    expect(train.filter((r) => requests.has(r.requestId)).length).toBeGreaterThan(train.length * 0.8);
    expect(dead.filter((d) => d.reason.includes('does not answer')), 'results that do not answer their request').toEqual([]);
    expect(learners.length).toBe(3);
    // The last learner finished the run from its predecessors' checkpoints, optimiser state included.
    const final = loadCheckpoint((await bus.weights.getBlob('checkpoint/latest'))!);
    expect([final.meta.step, final.optimizer!.step > 0]).toEqual([MAX_STEPS, true]);
    // Served twice, by the rollout actors' own counts: nothing beyond redeliveries and re-issues.
    const ledger = await runLedger(nc, bus);
    expect(ledger.unexplainedReruns, 'rollout executions no redelivery or re-issue explains').toBeLessThanOrEqual(0);
  }, 900_000);
});
