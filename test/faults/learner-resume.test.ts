import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.ts';
import { setupRun } from '../../src/bus/setup.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { SMALL_RUN, useActors } from '../helpers/actors.ts';
import { useNatsServer } from '../helpers/nats.ts';
import { runLedger } from '../helpers/run-checks.ts';
import { until } from '../helpers/wait.ts';

describe('faults', () => {
  const nats = useNatsServer();
  const actors = useActors();
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('faults - kill the learner and --resume: steps continue, no batch trained twice', async () => {
    const run = nats.runId();
    const args = ['--nats', nats.url, '--run', run, '--config', actors.configFile(SMALL_RUN)];
    const others = [actors.start('rollout', [...args, '--id', 'r1']), actors.start('rollout', [...args, '--id', 'r2']), actors.start('selector', args)];
    const first = actors.start('learner', [...args, '--max-steps', '6']);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    const checkpointed = async () => Number(new TextDecoder().decode((await bus.state.get('learner.step'))?.value ?? new Uint8Array()) || 0);
    await until(async () => (await checkpointed()) >= 2, 180_000, 'two checkpointed steps').catch((e) => {
      throw new Error(`${(e as Error).message}\n${[first, ...others].map((p) => `--- ${p.kind}\n${p.output().slice(-3000)}`).join('\n')}`);
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const resumedFrom = await checkpointed();

    const second = actors.start('learner', [...args, '--max-steps', '6', '--resume']);
    expect(await second.exited, second.output().slice(-3000)).toBe(0);
    for (const p of others) p.child.kill('SIGTERM');
    await Promise.all(others.map((p) => p.exited));

    const ledger = await runLedger(nc, bus);
    const steps = ledger.metrics.filter((m) => m.name === 'learner');
    const secondPid = second.child.pid;
    // The resumed learner trained exactly the steps after its checkpoint, each once.
    expect(steps.filter((m) => m.values.actorPid === secondPid).map((m) => m.step)).toEqual(Array.from({ length: 6 - resumedFrom }, (_, i) => resumedFrom + 1 + i));
    const final = loadCheckpoint((await bus.weights.getBlob('checkpoint/latest'))!);
    expect(final.meta.step).toBe(6);
    expect(final.optimizer?.step).toBeGreaterThan(0);
    expect([...ledger.perRequest.values()].every((n) => n === 1)).toBe(true);
  }, 480_000);
});
