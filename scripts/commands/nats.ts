import { NatsCluster } from '../../src/bus/nats-cluster.ts';
import { NatsServer } from '../../src/bus/nats-server.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { SaturnError } from '../../src/errors.ts';

const SPEC = {
  port: { type: 'integer', description: 'port (0: a free one); single server only', default: 4222, min: 0, max: 65535 },
  store: { type: 'string', description: 'JetStream store directory (a cluster: one subdirectory per node)', default: 'runs/nats' },
  cluster: { type: 'integer', description: 'start a cluster of this many nodes on free loopback ports (0: one plain server)', default: 0, min: 0, max: 5 },
} as const;

/**
 * `saturn nats`: a local nats-server with JetStream for development, or with `--cluster N` N
 * routed nodes (each a child process, free loopback ports, one store dir each). The first stdout
 * line is the client URL list, comma-separated, so `--nats "$(saturn nats … | head -1)"` works;
 * for a cluster it is printed once the nodes have elected a JetStream metadata leader. Ctrl-C
 * (SIGINT) or SIGTERM stops every server.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('nats', argv, SPEC);
  if (flags.cluster > 0 && argv.some((a) => a === '--port' || a.startsWith('--port='))) {
    throw new SaturnError('--port: a cluster picks free ports for its nodes; drop --port or --cluster');
  }
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (flags.cluster > 0) {
    const cluster = await NatsCluster.start({ size: flags.cluster, storeDir: flags.store });
    process.stdout.write(`${cluster.urls.join(',')}\n`);
    process.stderr.write(`NATS cluster "saturn" of ${flags.cluster} nodes with JetStream (stores under ${flags.store}); monitoring ${cluster.nodes.map((n) => n.monitorUrl).join(' ')}; Ctrl-C stops it\n`);
    await stopped;
    await cluster.stop();
    return 0;
  }
  const server = await NatsServer.start({ port: flags.port || undefined, storeDir: flags.store });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(`nats-server with JetStream at ${server.url} (store ${flags.store}); Ctrl-C stops it\n`);
  await stopped;
  await server.stop();
  return 0;
}
