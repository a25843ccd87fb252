import { describe, expect, it } from 'vitest';
import { subscribe$ } from '../../../src/bus/observable.ts';
import { putPoolEntry } from '../../../src/bus/pool.ts';
import { publishCore } from '../../../src/bus/publish.ts';
import { setupRun } from '../../../src/bus/setup.ts';
import { decode, encode } from '../../../src/protocol/codec.ts';
import { envelope } from '../../../src/protocol/envelope.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';
import { SMALL_RUN, useActors } from '../../helpers/actors.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { readStream } from '../../helpers/streams.ts';
import { until } from '../../helpers/wait.ts';

const entry = (questionId: string, successes: number, trials: number): PoolEntry => ({
  questionId, split: 'easy', prompt: '1+2+3=', answer: '6', prefix: [3], prefixText: '0', fraction: 0.3,
  sourceFailure: '0', selection: { successes: 8, trials: 16 }, pHat: successes / trials, low: 0, high: 1, observations: trials,
  recent: [{ successes, trials, policyVersion: 3 }], policyVersion: 3, generation: 1, createdAt: 0, updatedAt: 0,
});

describe('controller actor', () => {
  const nats = useNatsServer();
  const actors = useActors();

  it('controller - an entry whose p̂ drifted out of band is sent to the selector for rebuilding, and the refresh is recorded with its cause', async () => {
    const run = nats.runId();
    // Thresholds no step trips, so only the drift trigger can fire.
    const config = actors.configFile({ ...SMALL_RUN, refresh: { windowSteps: 100, minMeanRewardStd: 0, minInformativeShare: 0 } });
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    // The test stands in for the selector: it answers refresh requests and records them.
    const asked: string[] = [];
    subscribe$(nc, bus.names.subjects.control('refresh')).subscribe((m) => {
      const req = decode(m.data, 'control.request');
      if (!req.ok) return;
      asked.push(String(req.value.args?.questionIds));
      m.respond(encode({ ...envelope('control.reply'), requestId: req.value.id, ok: true, data: { reprobed: 1 } }));
    });
    await putPoolEntry(bus.pool, entry('drifted', 62, 64));
    await putPoolEntry(bus.pool, entry('fine', 32, 64));
    const controller = actors.start('controller', ['--nats', nats.url, '--run', run, '--config', config]);
    await until(() => controller.output().includes('controller ready'), 60_000, 'controller ready');

    // A learner step, as the variance stream carries it: the controller checks drift on each one.
    const variance = (step: number) => publishCore(nc, bus.names.subjects.metrics('variance'), { ...envelope('metrics.record'), name: 'variance', step, values: { meanRewardStd: 0.4, informativeShare: 1, prefixMeanRewardStd: 0.4, prefixInformativeShare: 1 } });
    await until(async () => {
      variance(1);
      return asked.length > 0;
    }, 60_000, 'a refresh request').catch((e) => {
      throw new Error(`${(e as Error).message}\n${controller.output().slice(-3000)}`);
    });
    expect(asked[0]).toBe('drifted');
    await until(async () => (await readStream(nc, bus.names.streams.metrics, 'metrics.record')).some((m) => m.name === 'refresh.drift'), 30_000, 'the refresh record');
    const record = (await readStream(nc, bus.names.streams.metrics, 'metrics.record')).find((m) => m.name === 'refresh.drift')!;
    expect(record.values).toMatchObject({ questions: 1, reprobed: 1, entries: 1 });
    // Asked once: an entry being rebuilt is not asked for again while its generation is unchanged.
    variance(2);
    await nc.flush();
    expect(asked).toEqual(['drifted']);
    controller.child.kill('SIGTERM');
    expect(await controller.exited).toBe(0);
  }, 120_000);
});
