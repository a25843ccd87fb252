import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { publishJs } from '../../../src/bus/publish.ts';
import { setupRun } from '../../../src/bus/setup.ts';
import { publishWeights } from '../../../src/bus/weights.ts';
import { envelope } from '../../../src/protocol/envelope.ts';
import { SMALL_RUN, useActors } from '../../helpers/actors.ts';
import { rolloutRequest } from '../../helpers/messages.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { readStream } from '../../helpers/streams.ts';
import { until } from '../../helpers/wait.ts';

describe('rollout actor', () => {
  const nats = useNatsServer();
  const actors = useActors();

  it('rollout - a request above the weights it can load is given back, never answered with older weights; answered once they come', async () => {
    const run = nats.runId();
    const config = actors.configFile({ ...SMALL_RUN, rollout: { ...SMALL_RUN.rollout, ackWaitSeconds: 2 } });
    const rollout = actors.start('rollout', ['--nats', nats.url, '--run', run, '--config', config, '--id', 'r1']);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 2_000 });
    await until(async () => (await bus.state.get('heartbeat.r1')) !== null, 120_000, 'rollout up');

    // Version 0 is what the actor holds; the request wants version 1, which nobody has published.
    const request = { ...rolloutRequest({ id: 'wants-v1', run, kind: 'probe', n: 2, minPolicyVersion: 1, prompt: new Int32Array([1, 4, 5, 6, 7]) }), ...envelope('rollout.request', 'wants-v1') };
    await publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), { ...request, sampling: { ...request.sampling, maxTokens: 8 } });
    const counters = async () => (await readStream(nc, bus.names.streams.metrics, 'metrics.record')).filter((m) => m.name === 'actor.rollout').at(-1)?.values ?? {};
    await until(async () => ((await counters()).belowMinPolicyVersion ?? 0) >= 1, 30_000, 'the request given back').catch((e) => {
      throw new Error(`${e.message}\n${rollout.output().slice(-2000)}`);
    });
    expect(await readStream(nc, bus.names.streams.results, 'rollout.result'), 'answered with older weights').toEqual([]);

    // The learner's v1 arrives (the checkpoint's bytes): now the request is answered, with v1.
    await publishWeights({ nc, names: bus.names, store: bus.weights, state: bus.state }, 1, 1, await readFile(SMALL_RUN.checkpoint));
    await until(async () => (await readStream(nc, bus.names.streams.results, 'rollout.result')).length === 1, 30_000, 'the answer').catch((e) => {
      throw new Error(`${e.message}\n${rollout.output().slice(-2000)}`);
    });
    const [result] = await readStream(nc, bus.names.streams.results, 'rollout.result');
    expect(result!.requestId).toBe('wants-v1');
    expect(result!.policyVersion).toBe(1);
    expect(result!.samples).toHaveLength(2);

    // A prompt the model cannot read (token id 4242) is dead-lettered with the reason, not answered.
    const alien = { ...request, ...envelope('rollout.request', 'alien'), prompt: new Int32Array([1, 4242, 5]), minPolicyVersion: 0 };
    await publishJs(bus.js, bus.names.subjects.rolloutRequest('probe'), alien);
    await until(async () => (await readStream(nc, bus.names.streams.dead, 'dead.letter')).some((d) => /alien: engine tfjs cannot answer it: prompt\[1\]: token id 4242 is outside/.test(d.reason)), 30_000, 'the alien prompt dead-lettered');
    expect((await readStream(nc, bus.names.streams.results, 'rollout.result')).map((r) => r.requestId)).toEqual(['wants-v1']);
    rollout.child.kill('SIGTERM');
    expect(await rollout.exited).toBe(0);
  }, 180_000);
});
