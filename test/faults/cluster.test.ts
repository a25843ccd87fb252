import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.ts';
import { withTimeout } from '../../src/bus/retry.ts';
import { setupRun, type RunBus } from '../../src/bus/setup.ts';
import { ConfigError } from '../../src/errors.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { mulberry32 } from '../../src/tasks/rng.ts';
import { RolloutChurn } from '../../scripts/churn-driver.ts';
import { SMALL_RUN, useActors, type ActorProcess } from '../helpers/actors.ts';
import { allStreams, caughtUp, laggingReplicas, clientsOf, consumersOf, killFor, streamLeader, useNatsCluster } from '../helpers/cluster.ts';
import { runLedger } from '../helpers/run-checks.ts';
import { readStream } from '../helpers/streams.ts';
import { sleep, until } from '../helpers/wait.ts';

// How long each killed node stays down. Short here (long enough for the dead node's streams to
// elect new leaders and its clients to move); scripts/churn-cluster-fault runs it with 30 s.
const DOWN_MS = Number(process.env.SATURN_CLUSTER_DOWN_SECONDS ?? 4) * 1000;
const STEPS = Number(process.env.SATURN_CLUSTER_STEPS ?? 4);
// Where to write the figures (node kills, progress times, ledger) as JSON; stdout gets them too.
const REPORT = process.env.SATURN_CLUSTER_REPORT;

describe('faults', () => {
  const nats = useNatsCluster();
  const actors = useActors();
  beforeAll(async () => {
    await initBackend('cpu'); // to read the final checkpoint
  });

  it('faults - cluster setup: 3 replicas by default, idempotent, more replicas than nodes is an error naming bus.replicas', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const bus = await setupRun(nc, run);
    const again = await setupRun(nc, run);
    for (const stream of (await allStreams(again.jsm)).filter((s) => s.includes(run))) {
      expect((await bus.jsm.streams.info(stream)).config.num_replicas, stream).toBe(3);
    }
    const err = await setupRun(nc, nats.runId(), { replicas: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('bus.replicas');
    expect((err as Error).message).not.toContain('\n');
  });

  it('faults - on a 3-node cluster (R3) the requests stream leader is killed twice while rollout actors come and go: nothing lost or trained twice', async () => {
    const run = nats.runId();
    const config = actors.configFile(SMALL_RUN);
    const args = (id?: string) => ['--nats', nats.urls, '--run', run, '--config', config, ...(id ? ['--id', id] : [])];
    const steady = actors.start('rollout', args('steady'));
    const selector = actors.start('selector', args());
    const learner = actors.start('learner', [...args(), '--max-steps', String(STEPS)]);
    const nc = await nats.connect();
    const bus = await setupRun(nc, run, { ackWaitMs: 3_000 });
    const events: string[] = [];
    const churned = new Map<string, ActorProcess>();
    const churn = new RolloutChurn({
      spawn: (id) => {
        const p = actors.start('rollout', args(id));
        churned.set(id, p);
        return { id, exited: p.exited, kill: (s) => p.child.kill(s) };
      },
      min: 1,
      max: 2,
      pauseMs: [4_000, 10_000],
      rng: mulberry32(12),
      onAction: (action, id, alive) => events.push(`${new Date().toISOString()} ${action} ${id} (${alive} churned alive)`),
    });
    churn.start();
    const logs = () => [learner, selector, steady].map((p) => `--- ${p.kind}\n${p.output().slice(-2500)}`).join('\n') + `\n--- churn\n${events.join('\n')}`;

    await until(async () => (await learnerStep(bus)) >= 1, 420_000, 'first step').catch((e) => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
    const streams = (await allStreams(bus.jsm)).filter((s) => s.includes(run));
    const kills = [];
    for (let k = 0; k < 2; k++) {
      const leader = await streamLeader(bus.jsm, bus.names.streams.requests);
      const node = nats.cluster.node(leader);
      const clients = await clientsOf(node);
      const [seq, step] = [await resultsSeq(bus), await learnerStep(bus)];
      const killedAt = Date.now();
      const moved = timeUntil(async () => (await resultsSeq(bus)) > seq, killedAt);
      const stepped = timeUntil(async () => (await learnerStep(bus)) > step, killedAt);
      await killFor(node, DOWN_MS);
      const restartedMs = Date.now() - killedAt;
      await until(() => caughtUp(bus.jsm, streams, nats.cluster.nodes.length), 240_000, `${leader} caught up`).catch(async (e) => {
        throw new Error(`${(e as Error).message}; behind: ${(await laggingReplicas(bus.jsm, streams)).join('; ')}`);
      });
      const caughtUpMs = Date.now() - killedAt;
      kills.push({ node: leader, clientsOnIt: clients, downMs: DOWN_MS, atStep: step, restartedMs, caughtUpMs, firstResultMs: await moved, nextStepMs: await stepped });
    }
    process.stdout.write(`cluster fault kills ${JSON.stringify(kills)}\n`);
    const finished = await Promise.race([learner.exited, sleep(300_000).then(() => 'timeout' as const)]);
    const raftState = async () =>
      JSON.stringify(
        await Promise.all(
          [bus.names.streams.requests, bus.names.streams.results].map(async (stream) => ({
            stream,
            cluster: (await bus.jsm.streams.info(stream).catch(() => undefined))?.cluster,
            consumers: (await consumersOf(bus.jsm, stream)).map((c) => ({ name: c.name, cluster: c.cluster, pending: c.num_pending, ackPending: c.num_ack_pending, waiting: c.num_waiting })),
          })),
        ),
      );
    expect(finished, finished === 0 ? '' : `${logs()}\n--- raft groups\n${await raftState()}`).toBe(0);
    const tally = await churn.stop();
    await sleep(4_000); // anything a killed actor held comes back after the 3 s ack wait and is served
    const rest = [...churn.alive.map((a) => churned.get(a.id)!), steady, selector];
    for (const p of rest) p.child.kill('SIGTERM');
    const codes = await Promise.all(rest.map((p) => p.exited));
    // A churned actor still starting dies of the SIGTERM (null); one that runs drains and exits 0.
    expect(codes.slice(0, -2).every((c) => c === 0 || c === null), logs()).toBe(true);
    expect(codes.slice(-2), logs()).toEqual([0, 0]);

    const ledger = await runLedger(nc, bus);
    const sent = ledger.sum('selector', 'sent') + ledger.sum('learner', 'sent');
    const requests = {
      sent,
      completed: ledger.perRequest.size,
      outstanding: ledger.outstanding,
      redelivered: ledger.sum('rollout', 'redelivered'),
      deadLettered: (await bus.jsm.streams.info(bus.names.streams.dead)).state.messages,
      lost: sent - ledger.perRequest.size - ledger.outstanding,
    };
    // Why anything was dead-lettered (a killed actor's exhausted deliveries, …), by reason.
    const deadReasons: Record<string, number> = {};
    for (const d of await readStream(nc, bus.names.streams.dead, 'dead.letter')) {
      const key = `${d.subject.split('.').slice(-2).join('.')}: ${d.reason.replace(/\d+/g, 'N')}`;
      deadReasons[key] = (deadReasons[key] ?? 0) + 1;
    }
    const report = { downMs: DOWN_MS, steps: STEPS, kills, churn: tally, requests, deadReasons, churnEvents: events };
    process.stdout.write(`cluster fault report ${JSON.stringify(report, null, 2)}\n`);
    if (REPORT) writeFileSync(REPORT, JSON.stringify(report, null, 2) + '\n');

    expect(kills[1].node, 'the second kill takes another node').not.toBe(kills[0].node);
    expect(kills[1].atStep, 'the second kill came mid-run').toBeLessThan(STEPS);
    expect(tally.started, 'rollout actors came and went').toBeGreaterThanOrEqual(2);
    expect(tally.killed + tally.stopped).toBeGreaterThanOrEqual(1);
    expect(tally.unclean, 'every gracefully stopped actor exited 0').toBe(0);
    expect(loadCheckpoint((await bus.weights.getBlob('checkpoint/latest'))!).meta.step).toBe(STEPS);
    expect(ledger.metrics.filter((m) => m.name === 'learner').map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // Every training request the learner sent has exactly one result: none lost, none trained twice.
    const trainResults = [...ledger.perRequest.keys()].filter((id) => id.startsWith('train:'));
    expect(trainResults.length).toBe(ledger.sum('learner', 'sent'));
    expect([...ledger.perRequest.values()].every((n) => n === 1), 'one result per request id').toBe(true);
    expect(requests.lost, 'no request lost').toBe(0);
  }, 1_200_000);
});

/** The learner's last finished step, as it wrote it to the state KV (a read caught by a leader change is abandoned). */
async function learnerStep(bus: RunBus): Promise<number> {
  const entry = await withTimeout(bus.state.get('learner.step'), 3_000).catch(() => undefined);
  return Number(new TextDecoder().decode(entry?.value ?? new Uint8Array()) || 0);
}

/** The results stream's last sequence: grows with every result stored. */
async function resultsSeq(bus: RunBus): Promise<number> {
  return (await withTimeout(bus.jsm.streams.info(bus.names.streams.results), 3_000)).state.last_seq;
}

/** Ms from `since` until `cond` holds (its errors, e.g. timeouts while a leader is elected, count as "not yet"). */
async function timeUntil(cond: () => Promise<boolean>, since: number, ms = 240_000): Promise<number | null> {
  const ok = await until(() => cond().catch(() => false), ms).then(() => true, () => false);
  return ok ? Date.now() - since : null;
}
