import { describe, expect, it } from 'vitest';
import { setupRun } from '../../src/bus/setup.ts';
import { decode } from '../../src/protocol/codec.ts';
import { SMALL_RUN, useActors } from '../helpers/actors.ts';
import { useNatsServer } from '../helpers/nats.ts';
import { runLedger } from '../helpers/run-checks.ts';
import { until } from '../helpers/wait.ts';

describe('faults', () => {
  const nats = useNatsServer();
  const actors = useActors();

  it('faults - kill -9 a rollout actor mid-run: every request id ends with exactly one result', async () => {
    const run = nats.runId();
    const args = ['--nats', nats.url, '--run', run, '--config', actors.configFile(SMALL_RUN)];
    const victim = actors.start('rollout', [...args, '--id', 'victim']);
    const selector = actors.start('selector', args);
    const learner = actors.start('learner', [...args, '--max-steps', '4']);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    // Kill it while it holds requests, so they must be redelivered to the survivor. The victim
    // serves alone until then, so every unacked delivery is its own: it is frozen (SIGSTOP) and
    // killed only once the broker shows it holding some. (A heartbeat saying "busy" was not
    // enough: an actor that takes work on demand may have acked its whole batch by the kill.)
    const unacked = async () => {
      let n = 0;
      for (const kind of ['probe', 'sweep', 'train'] as const) n += (await bus.jsm.consumers.info(bus.names.streams.requests, bus.names.consumers.rollout(kind))).num_ack_pending;
      return n;
    };
    await until(async () => {
      const e = await bus.state.get('heartbeat.victim');
      const beat = e ? decode(e.value, 'heartbeat') : undefined;
      if (!beat?.ok || beat.value.handled === 0) return false;
      victim.child.kill('SIGSTOP');
      if ((await unacked()) > 0) return true;
      victim.child.kill('SIGCONT');
      return false;
    }, 120_000, 'victim holding requests');
    const survivor = actors.start('rollout', [...args, '--id', 'survivor']);
    victim.child.kill('SIGKILL');
    expect(await learner.exited, learner.output().slice(-3000)).toBe(0);
    selector.child.kill('SIGTERM');
    await selector.exited;
    // Anything the victim held has come back and been served: the work queue is empty.
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.requests)).state.messages === 0, 60_000, 'the work queue drained');
    survivor.child.kill('SIGTERM');
    await survivor.exited;

    const ledger = await runLedger(nc, bus);
    expect([...ledger.perRequest.values()].every((n) => n === 1), 'one result per request id').toBe(true);
    expect(ledger.metrics.filter((m) => m.name === 'learner').map((m) => m.step)).toEqual([1, 2, 3, 4]);
    // Every training request the learner sent has exactly one result (early steps may draw fewer than 4 groups).
    const trainResults = [...ledger.perRequest.keys()].filter((id) => id.startsWith('train:'));
    expect(trainResults.length).toBe(ledger.sum('learner', 'sent'));
    for (let s = 1; s <= 4; s++) expect([...ledger.perRequest.keys()].filter((id) => id.startsWith(`train:s${s}:`)).length, `results of step ${s}`).toBeGreaterThan(0);
    expect(ledger.sum('rollout', 'redelivered'), 'the victim’s requests were redelivered').toBeGreaterThanOrEqual(1);
    const sent = ledger.sum('selector', 'sent') + ledger.sum('learner', 'sent');
    expect(ledger.perRequest.size + ledger.outstanding, 'no request lost').toBe(sent);
    expect(ledger.unexplainedReruns, 'no request served twice without a redelivery or re-issue').toBeLessThanOrEqual(0);
  }, 480_000);
});
