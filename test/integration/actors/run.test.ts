import { describe, expect, it } from 'vitest';
import { setupRun } from '../../../src/bus/setup.ts';
import { decode } from '../../../src/protocol/codec.ts';
import { decodePoolEntry, type PoolEntry } from '../../../src/pool/entry.ts';
import { SMALL_RUN, useActors } from '../../helpers/actors.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { readStream } from '../../helpers/streams.ts';

describe('actor system', () => {
  const nats = useNatsServer();
  const actors = useActors();

  it('run - two rollout actors, selector, learner and controller train online', async () => {
    const run = nats.runId();
    // A refresh threshold no step can meet, so the controller must fire.
    const config = actors.configFile({ ...SMALL_RUN, refresh: { windowSteps: 1, minMeanRewardStd: 0.5, cooldownSteps: 1 } });
    const args = ['--nats', nats.url, '--run', run, '--config', config];
    const rollouts = [actors.start('rollout', [...args, '--id', 'r1']), actors.start('rollout', [...args, '--id', 'r2'])];
    const selector = actors.start('selector', args);
    const controller = actors.start('controller', args);
    const learner = actors.start('learner', [...args, '--max-steps', '4']);
    const code = await learner.exited;
    expect(code, learner.output().slice(-3000)).toBe(0);

    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    // Weight versions advanced, and both rollout actors picked them up.
    const latest = decode((await bus.state.get('weights.latest'))!.value, 'weights.announcement');
    expect(latest.ok && latest.value.version).toBeGreaterThanOrEqual(4);
    for (const id of ['r1', 'r2']) {
      const beat = decode((await bus.state.get(`heartbeat.${id}`))!.value, 'heartbeat');
      expect(beat.ok && beat.value.policyVersion, `${id} follows the learner's weights`).toBeGreaterThanOrEqual(1);
    }
    // Prefixes were selected inside the τ band (their sweep estimate; training folds in later groups).
    const entries: PoolEntry[] = [];
    for await (const key of await bus.pool.keys()) {
      const e = await bus.pool.get(key);
      const entry = e?.operation === 'PUT' ? decodePoolEntry(e.value) : undefined;
      if (entry) entries.push(entry.ok ? entry.value : expect.fail(`pool entry ${key}: ${entry.reason}`));
    }
    // (Forced refreshes re-probe every entry and retire questions the policy now solves, so the pool
    // at the end can be small; the selector's counters say how many it built.)
    for (const e of entries) {
      expect(e.selection.successes / e.selection.trials).toBeGreaterThanOrEqual(0.25);
      expect(e.selection.successes / e.selection.trials).toBeLessThanOrEqual(0.75);
      expect(e.observations).toBeGreaterThanOrEqual(e.selection.trials);
    }
    // Every learner step is on the metrics stream, and the controller's refresh fired with its cause.
    const metrics = await readStream(nc, bus.names.streams.metrics, 'metrics.record');
    expect(metrics.filter((m) => m.name === 'learner').map((m) => m.step)).toEqual([1, 2, 3, 4]);
    const refreshes = metrics.filter((m) => m.name.startsWith('refresh.'));
    expect(refreshes.length, controller.output().slice(-2000)).toBeGreaterThanOrEqual(1);
    expect(refreshes[0]!.name).toBe('refresh.low-reward-std');
    expect(metrics.some((m) => m.name === 'groups.prefix')).toBe(true);
    const pool = metrics.filter((m) => m.name === 'pool').at(-1)!;
    expect(pool.values.selectedInBand).toBeGreaterThanOrEqual(2);
    expect(pool.values.selectedOutOfBand + pool.values.selectedInBand).toBe(pool.values.sweepsDone);
    expect(pool.values.outOfBandAbove + pool.values.outOfBandBelow).toBe(pool.values.selectedOutOfBand);

    for (const p of [...rollouts, selector, controller]) p.child.kill('SIGTERM');
    const codes = await Promise.all([...rollouts, selector, controller].map((p) => p.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
  }, 240_000);
});
