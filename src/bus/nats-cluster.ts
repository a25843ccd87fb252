/**
 * A local NATS cluster: `size` private `nats-server -js` child processes on loopback, each with
 * its own client, route and monitoring port and its own store directory, routed to one another
 * under one cluster name. It is what `saturn nats --cluster 3` runs and what the cluster fault
 * tests kill nodes of; a killed node restarted with {@link NatsServer.restart} comes back on the
 * same ports with the same store and catches up from its peers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, NatsServer } from './nats-server.ts';
import { NatsServerStartError } from './errors.ts';

/** How to start the cluster. Every field is optional. */
export interface NatsClusterOptions {
  /** Number of nodes (JetStream's usual quorum sizes are 3 and 5). */
  size?: number;
  /** Interface every node listens on (clients, routes, monitoring). */
  host?: string;
  /** Parent of the nodes' store directories (`<dir>/<node name>`); a temp dir when absent. */
  storeDir?: string;
  /** Cluster name, shared by every node. */
  name?: string;
  /** Path of the nats-server binary (see {@link NatsServer}). */
  bin?: string;
  /** Extra arguments for every node (auth, TLS…). */
  args?: readonly string[];
  /** How long to wait for every node to start, then for a JetStream metadata leader. */
  readyTimeoutMs?: number;
}

/** One node of a {@link NatsCluster}: its server process, name and monitoring URL. */
export interface ClusterNode {
  /** Server name (`-n`), the name JetStream reports as a stream's leader or replica. */
  readonly name: string;
  readonly server: NatsServer;
  /** `http://host:port` of the node's monitoring endpoint (`/jsz`, `/varz`, `/routez`). */
  readonly monitorUrl: string;
}

/** What a node's `/jsz` says about the JetStream metadata group. */
interface MetaView {
  leader?: string;
  cluster_size?: number;
}

/** A running local cluster. Start one with {@link NatsCluster.start}. */
export class NatsCluster {
  private constructor(
    readonly nodes: readonly ClusterNode[],
    readonly storeDir: string,
    private readonly ownsStoreDir: boolean,
  ) {}

  /** Starts every node and resolves once they have elected a JetStream metadata leader. */
  static async start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    const size = options.size ?? 3;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size: expected a positive integer, got ${size}`);
    const host = options.host ?? '127.0.0.1';
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'saturn-nats-cluster-'));
    const clusterName = options.name ?? 'saturn';
    const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
    const ports: Array<{ client: number; route: number; monitor: number }> = [];
    for (let i = 0; i < size; i++) ports.push({ client: await freePort(host), route: await freePort(host), monitor: await freePort(host) });
    const routeUrl = (i: number) => `nats://${host}:${ports[i].route}`;
    const started = await Promise.allSettled(
      ports.map(async (p, i) => {
        const name = `n${i + 1}`;
        const routes = ports.map((_, j) => j).filter((j) => j !== i).map(routeUrl);
        const args = ['-n', name, '--cluster_name', clusterName, '--cluster', routeUrl(i), '-m', String(p.monitor), ...(routes.length ? ['--routes', routes.join(',')] : []), ...(options.args ?? [])];
        const server = await NatsServer.start({ bin: options.bin, host, port: p.client, storeDir: join(storeDir, name), args, readyTimeoutMs });
        return { name, server, monitorUrl: `http://${host}:${p.monitor}` };
      }),
    );
    const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      // One node that cannot start leaves no half cluster behind.
      await Promise.all(nodes.map((n) => n.server.stop()));
      if (options.storeDir === undefined) rmSync(storeDir, { recursive: true, force: true });
      throw failed.reason;
    }
    const cluster = new NatsCluster(nodes, storeDir, options.storeDir === undefined);
    try {
      await cluster.waitForMetaLeader(readyTimeoutMs);
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  /** Every node's client URL, in node order. */
  get urls(): string[] {
    return this.nodes.map((n) => n.server.url);
  }

  /** The node called `name` (as JetStream names stream leaders); throws for an unknown name. */
  node(name: string): ClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new RangeError(`no cluster node named ${JSON.stringify(name)} (nodes: ${this.nodes.map((n) => n.name).join(', ')})`);
    return node;
  }

  /**
   * Resolves once every running node names the same JetStream metadata leader and sees the
   * whole cluster: before that, creating a stream fails with "JetStream system temporarily
   * unavailable".
   */
  async waitForMetaLeader(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.nodes.filter((n) => n.server.running);
      const views = await Promise.all(running.map((n) => metaView(n)));
      const leader = views[0]?.leader;
      if (leader && views.every((v) => v?.leader === leader && v.cluster_size === this.nodes.length)) return leader;
      if (Date.now() > deadline) {
        const first = this.nodes[0].server;
        throw new NatsServerStartError(first.port, `cluster elected no JetStream metadata leader within ${timeoutMs} ms (views: ${JSON.stringify(views)})`, first.log);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops every node (gracefully, in parallel). */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.stop()));
  }

  /** Stops every node and removes the store directories if this object created them. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsStoreDir) rmSync(this.storeDir, { recursive: true, force: true });
  }
}

async function metaView(node: ClusterNode): Promise<MetaView | undefined> {
  try {
    const res = await fetch(`${node.monitorUrl}/jsz`, { signal: AbortSignal.timeout(2_000) });
    return ((await res.json()) as { meta_cluster?: MetaView }).meta_cluster;
  } catch {
    return undefined;
  }
}
