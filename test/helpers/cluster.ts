/**
 * A private 3-node NATS cluster per test suite (started in `beforeAll`, disposed in `afterAll`,
 * every connection the suite opened through it closed first), and what cluster fault tests ask of
 * it: which node leads a stream, which clients a node serves, whether every replica has caught up.
 *
 * @example
 * const cluster = useNatsCluster();
 * it('…', async () => { const nc = await cluster.connect(); const leader = await streamLeader(jsm, 'S'); … });
 */
import type { ClusterInfo, ConsumerInfo, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { connectBus, type BusConnectOptions } from '../../src/bus/connect.ts';
import { NatsCluster, type ClusterNode, type NatsClusterOptions } from '../../src/bus/nats-cluster.ts';
import { sleep } from './wait.ts';

export interface ClusterFixture {
  readonly cluster: NatsCluster;
  /** Every node's client URL, comma-separated: what `--nats` takes. */
  readonly urls: string;
  /** A connection to the cluster (any node; moves on when its node dies), closed after the suite. */
  connect(options?: Partial<BusConnectOptions>): Promise<NatsConnection>;
  /** A run id no other test in this process uses. */
  runId(): string;
}

let runs = 0;

export function useNatsCluster(options: NatsClusterOptions = {}): ClusterFixture {
  let cluster: NatsCluster | undefined;
  const connections: NatsConnection[] = [];
  beforeAll(async () => {
    cluster = await NatsCluster.start(options);
  });
  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await cluster?.dispose();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('NATS cluster not started yet (use it inside a test or hook)');
      return cluster;
    },
    get urls() {
      return this.cluster.urls.join(',');
    },
    async connect(extra = {}) {
      const nc = await connectBus({ servers: this.cluster.urls, reconnectTimeWaitMs: 100, reconnectJitterMs: 50, ...extra });
      connections.push(nc);
      return nc;
    },
    runId() {
      runs += 1;
      return `c${process.pid}_${runs}`;
    },
  };
}

/** The server name of `stream`'s current leader, from the JetStream API (`$JS.API.STREAM.INFO.<stream>`). */
export async function streamLeader(jsm: JetStreamManager, stream: string): Promise<string> {
  const leader = (await jsm.streams.info(stream)).cluster?.leader;
  if (!leader) throw new Error(`stream ${stream} has no leader right now`);
  return leader;
}

/**
 * True when each stream has a leader and every replica is current, the node back from the dead
 * included, and each of its consumers (their own raft groups) has a leader and a current
 * follower: only then may the next node die without any of them losing its quorum. (nats-server
 * 2.9.10 can leave an idle consumer's restarted replica "not current, lag 2" for minutes, so a
 * consumer's quorum is what is asked of it.)
 */
export async function caughtUp(jsm: JetStreamManager, streams: readonly string[], nodes: number): Promise<boolean> {
  const current = (c: ClusterInfo | undefined) => !!c?.leader && (c.replicas?.length ?? 0) === nodes - 1 && c.replicas!.every((r) => r.current && !r.offline);
  const quorate = (c: ClusterInfo | undefined) => !!c?.leader && (c.replicas ?? []).filter((r) => r.current && !r.offline).length >= Math.floor(nodes / 2);
  for (const stream of streams) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!current(info?.cluster)) return false;
    // Only durable consumers are replicated: a KV watch or a replay is an ephemeral R1 consumer
    // with no replicas to be current, and it moves to a live node by itself.
    for (const consumer of await consumersOf(jsm, stream)) if (consumer.config.durable_name && !quorate(consumer.cluster)) return false;
  }
  return true;
}

/** The streams (and consumers) some replica of which is not current yet, for a failure message. */
export async function laggingReplicas(jsm: JetStreamManager, streams: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  // What lags in one raft group, as text; '' when every replica is current.
  const behind = (c: ClusterInfo | undefined) =>
    (c?.replicas ?? [])
      .filter((r) => !r.current || r.offline)
      .map((r) => `${r.name}${r.offline ? ' offline' : ''} lag ${r.lag ?? '?'} active ${Math.round((r.active ?? 0) / 1e6)} ms ago`)
      .join(', ');
  for (const stream of streams) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    const lag = info?.cluster?.leader ? behind(info.cluster) : 'no leader';
    if (lag) out.push(`${stream}: ${lag}`);
    for (const c of await consumersOf(jsm, stream)) {
      const what = behind(c.cluster) || (c.config.durable_name && !c.cluster?.replicas?.length ? 'no replicas' : '');
      if (what) out.push(`${stream}/${c.name}: ${what}`);
    }
  }
  return out;
}

/** Each consumer of `stream` with its raft group and delivery state, for a failure message. */
export async function consumersOf(jsm: JetStreamManager, stream: string): Promise<ConsumerInfo[]> {
  const out: ConsumerInfo[] = [];
  try {
    for await (const ci of jsm.consumers.list(stream)) out.push(ci);
  } catch {
    // A stream without a leader right now lists nothing; the caller asks again.
  }
  return out;
}

/** Every stream of the server's account (a run's streams, its buckets' and object store's). */
export async function allStreams(jsm: JetStreamManager): Promise<string[]> {
  const names: string[] = [];
  for await (const name of jsm.streams.names()) names.push(name);
  return names;
}

/** The names of the clients connected to `node` right now, from its monitoring endpoint (`/connz`). */
export async function clientsOf(node: ClusterNode): Promise<string[]> {
  const res = await fetch(`${node.monitorUrl}/connz?limit=1024`, { signal: AbortSignal.timeout(2_000) });
  const body = (await res.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).map((c) => c.name ?? '?');
}

/** Kills `node` with SIGKILL (a crash), keeps it down `downMs`, restarts it on its ports and store. */
export async function killFor(node: ClusterNode, downMs: number): Promise<void> {
  await node.server.kill();
  await sleep(downMs);
  await node.server.restart();
}
