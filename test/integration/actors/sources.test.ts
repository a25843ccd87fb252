import { describe, expect, it } from 'vitest';
import { setupRun } from '../../../src/bus/setup.ts';
import { decodePoolEntry, type PoolEntry } from '../../../src/pool/entry.ts';
import { RolloutTally } from '../../../src/run/rollouts.ts';
import { SMALL_RUN, useActors } from '../../helpers/actors.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { readStream } from '../../helpers/streams.ts';

/**
 * The baselines' prompt sources over real actors: every rollout comes from a rollout actor, the
 * learner trains on plain questions, and the results stream (what the summary tallies) holds them.
 */
describe('learner prompt sources', () => {
  const nats = useNatsServer();
  const actors = useActors();

  async function runWith(overrides: { learner: object; selector?: object }, steps: number) {
    const run = nats.runId();
    const config = actors.configFile({ ...SMALL_RUN, rollout: { ...SMALL_RUN.rollout, actors: 1 }, learner: { ...SMALL_RUN.learner, harvestPerStep: 0, ...overrides.learner }, selector: { ...SMALL_RUN.selector, ...overrides.selector }, refresh: { enabled: false } });
    const args = ['--nats', nats.url, '--run', run, '--config', config];
    const others = [actors.start('rollout', [...args, '--id', 'r1']), actors.start('selector', args)];
    const learner = actors.start('learner', [...args, '--max-steps', String(steps)]);
    const code = await learner.exited;
    expect(code, learner.output().slice(-3000)).toBe(0);
    for (const p of others) p.child.kill('SIGTERM');
    expect(await Promise.all(others.map((p) => p.exited))).toEqual([0, 0]);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    const results = await readStream(nc, bus.names.streams.results, 'rollout.result');
    const metrics = await readStream(nc, bus.names.streams.metrics, 'metrics.record');
    const entries: PoolEntry[] = [];
    for await (const key of await bus.pool.keys()) {
      const e = await bus.pool.get(key);
      const entry = e?.operation === 'PUT' ? decodePoolEntry(e.value) : undefined;
      if (entry?.ok) entries.push(entry.value);
    }
    const tally = new RolloutTally();
    results.forEach((r) => tally.add(r));
    return { results, metrics, entries, counts: tally.counts(0) };
  }

  it('sources - saturated: the selector only probes and keeps saturated questions; the learner trains them without prefix', async () => {
    const { results, metrics, entries, counts } = await runWith({ learner: { source: 'saturated', minPool: 2 }, selector: { poolTarget: 3, probeQuestions: 8 } }, 2);
    expect(results.some((r) => r.kind === 'sweep')).toBe(false);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    for (const e of entries) {
      expect(e.prefix).toEqual([]);
      expect(e.selection.successes).toBeGreaterThanOrEqual(31);
      expect(e.selection.successes).toBeLessThan(32);
    }
    const ids = new Set(entries.map((e) => e.questionId));
    const train = results.filter((r) => r.kind === 'train');
    expect(train.length).toBeGreaterThanOrEqual(2 * SMALL_RUN.learner.promptsPerStep);
    expect(train.every((r) => ids.has(r.questionId) && r.groupId === `original:${r.questionId}`)).toBe(true);
    expect(counts.train).toBe(train.length * SMALL_RUN.learner.groupSize);
    expect(counts.probe).toBeGreaterThan(0);
    expect(metrics.filter((m) => m.name === 'learner').map((m) => m.step)).toEqual([1, 2]);
  }, 240_000);

  it('sources - split with dynamic sampling: fresh questions, no probes, every round sampled by the actors and counted', async () => {
    const { results, metrics, entries, counts } = await runWith({ learner: { source: 'split', dynamicFilter: true, maxRounds: 3 } }, 2);
    expect(entries).toEqual([]);
    expect(results.every((r) => r.kind === 'train' && r.questionId.startsWith('easy:'))).toBe(true);
    const steps = metrics.filter((m) => m.name === 'learner');
    expect(steps.map((m) => m.step)).toEqual([1, 2]);
    const sampled = steps.reduce((a, m) => a + m.values.sampledGroups!, 0);
    for (const m of steps) {
      expect(m.values.rounds).toBeGreaterThanOrEqual(1);
      expect(m.values.rounds).toBeLessThanOrEqual(3);
      expect(m.values.sampledGroups).toBe(m.values.rounds! * SMALL_RUN.learner.promptsPerStep);
    }
    // Every group sampled, dropped or trained, is a result in the stream (the last step's successor planned ahead may add some).
    expect(results.length).toBeGreaterThanOrEqual(sampled);
    expect(counts.train).toBe(results.length * SMALL_RUN.learner.groupSize);
  }, 240_000);
});
