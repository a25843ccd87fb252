import { AckPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { BusSetupError, ensureStream, setupRun } from '../../../src/bus/index.ts';
import { ROLLOUT_KINDS, runNames } from '../../../src/protocol/index.ts';
import { ConfigError } from '../../../src/errors.ts';
import { useNatsServer } from '../../helpers/nats.ts';

const nats = useNatsServer();

describe('setup - run resources', () => {
  it('setup - creates streams, consumers, buckets and the object store, and a second call changes nothing', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const names = runNames(run);
    const first = await setupRun(nc, run, { ackWaitMs: 1_000, maxDeliver: 3, maxAckPending: 16 });
    const before = await first.jsm.streams.info(names.streams.requests);
    const again = await setupRun(nc, run, { ackWaitMs: 1_000, maxDeliver: 3, maxAckPending: 16 });
    const after = await again.jsm.streams.info(names.streams.requests);
    expect(after.created).toEqual(before.created);
    expect(after.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(after.config.storage).toBe(StorageType.File);
    expect(after.config.subjects).toEqual([`saturn.${run}.rollout.req.*`]);

    for (const kind of ROLLOUT_KINDS) {
      const ci = await again.jsm.consumers.info(names.streams.requests, names.consumers.rollout(kind));
      expect(ci.config).toMatchObject({
        ack_policy: AckPolicy.Explicit,
        ack_wait: 1_000_000_000,
        max_deliver: 3,
        max_ack_pending: 16,
        filter_subject: names.subjects.rolloutRequest(kind),
      });
    }
    const results = await again.jsm.consumers.info(names.streams.results, names.consumers.results('train', 'learner'));
    expect(results.config.filter_subject).toBe(`saturn.${run}.rollout.res.train`);
    expect(results.config.max_deliver, 'the learner holds its results until a checkpoint: never exhausted').toBe(-1);
    const probes = await again.jsm.consumers.info(names.streams.results, names.consumers.results('probe', 'selector'));
    expect(probes.config.max_deliver).toBe(3);
    const harvested = await again.jsm.consumers.info(names.streams.results, names.consumers.results('probe', 'learner'));
    expect(harvested.config.max_deliver).toBe(-1);
    const streams: string[] = [];
    for await (const name of again.jsm.streams.names()) streams.push(name);
    expect(streams).toEqual(
      expect.arrayContaining([
        names.streams.requests,
        names.streams.results,
        names.streams.metrics,
        names.streams.dead,
        `KV_${names.buckets.pool}`,
        `KV_${names.buckets.state}`,
        `OBJ_${names.buckets.weights}`,
      ]),
    );
    await again.pool.put('q1', new Uint8Array([1]));
    expect(Array.from((await first.pool.get('q1'))?.value ?? [])).toEqual([1]);
  });

  it('setup - concurrent calls from several actors all succeed', async () => {
    const run = nats.runId();
    const ncs = await Promise.all([nats.connect(), nats.connect(), nats.connect()]);
    const buses = await Promise.all(ncs.map((nc) => setupRun(nc, run)));
    expect(buses.map((b) => b.names.run)).toEqual([run, run, run]);
  });

  it('setup - a later call with other limits updates the consumers in place', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const names = runNames(run);
    await setupRun(nc, run, { ackWaitMs: 1_000 });
    const bus = await setupRun(nc, run, { ackWaitMs: 2_000, maxAckPending: 8 });
    const ci = await bus.jsm.consumers.info(names.streams.requests, names.consumers.rollout('train'));
    expect(ci.config.ack_wait).toBe(2_000_000_000);
    expect(ci.config.max_ack_pending).toBe(8);
  });

  it('setup - an existing stream the server cannot convert is an error naming it', async () => {
    const nc = await nats.connect();
    const run = nats.runId();
    const names = runNames(run);
    const bus = await setupRun(nc, run);
    // Retention cannot be changed in place.
    const err = await ensureStream(bus.jsm, {
      name: names.streams.requests,
      subjects: [names.subjects.rolloutRequests],
      retention: RetentionPolicy.Limits,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusSetupError);
    expect((err as Error).message).toMatch(new RegExp(`^stream ${names.streams.requests}: exists with a config that cannot be updated`));
  });

  it('setup - more than 1 replica on a server outside any cluster is a one-line error naming bus.replicas', async () => {
    const nc = await nats.connect();
    const err = await setupRun(nc, nats.runId(), { replicas: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^bus\.replicas: expected at most .*not part of a cluster, got 3$/);
  });
});
