import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.ts';
import { setupRun } from '../../src/bus/setup.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { SMALL_RUN, useActors } from '../helpers/actors.ts';
import { useNatsServer } from '../helpers/nats.ts';
import { runLedger } from '../helpers/run-checks.ts';
import { sleep, until } from '../helpers/wait.ts';

describe('faults', () => {
  const nats = useNatsServer();
  const actors = useActors();
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('faults - restarting nats-server (file store) mid-run loses nothing', async () => {
    const run = nats.runId();
    const args = ['--nats', nats.url, '--run', run, '--config', actors.configFile(SMALL_RUN)];
    const others = [actors.start('rollout', [...args, '--id', 'r1']), actors.start('rollout', [...args, '--id', 'r2']), actors.start('selector', args)];
    const learner = actors.start('learner', [...args, '--max-steps', '4']);
    let nc = await nats.connect();
    let bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    await until(async () => Number(new TextDecoder().decode((await bus.state.get('learner.step'))?.value ?? new Uint8Array()) || 0) >= 1, 180_000, 'first step');
    await nc.close();
    await nats.server.restart();
    const finished = await Promise.race([learner.exited, sleep(240_000).then(() => 'timeout' as const)]);
    nc = await nats.connect();
    bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    const logs = () => [learner, ...others].map((p) => `--- ${p.kind}\n${p.output().slice(-2500)}`).join('\n');
    expect(finished, logs()).toBe(0);
    // The selector's last requests answered (or still queued) before the actors stop.
    await until(async () => {
      const l = await runLedger(nc, bus);
      return l.perRequest.size + l.outstanding >= l.sum('selector', 'sent') + l.sum('learner', 'sent');
    }, 60_000, 'every request answered or queued');
    for (const p of others) p.child.kill('SIGTERM');
    expect(await Promise.all(others.map((p) => p.exited))).toEqual([0, 0, 0]);

    const ledger = await runLedger(nc, bus);
    expect(loadCheckpoint((await bus.weights.getBlob('checkpoint/latest'))!).meta.step).toBe(4);
    // Every training request the learner sent has exactly one result (early steps may draw fewer than 4 groups).
    const trainResults = [...ledger.perRequest.keys()].filter((id) => id.startsWith('train:'));
    expect(trainResults.length).toBe(ledger.sum('learner', 'sent'));
    for (let s = 1; s <= 4; s++) expect([...ledger.perRequest.keys()].filter((id) => id.startsWith(`train:s${s}:`)).length, `results of step ${s}`).toBeGreaterThan(0);
    expect([...ledger.perRequest.values()].every((n) => n === 1)).toBe(true);
    const sent = ledger.sum('selector', 'sent') + ledger.sum('learner', 'sent');
    expect(ledger.perRequest.size + ledger.outstanding, 'no request lost').toBe(sent);
    expect(ledger.unexplainedReruns, 'no request served twice without a redelivery or re-issue').toBeLessThanOrEqual(0);
    // Metrics go through JetStream: every step has its record, the restart notwithstanding.
    expect(ledger.metrics.filter((m) => m.name === 'learner').map((m) => m.step).sort()).toEqual([1, 2, 3, 4]);
  }, 480_000);
});
