import { NatsServer } from '../../src/bus/nats-server.ts';
import { parseFlags } from '../../src/cli/flags.ts';

const SPEC = {
  port: { type: 'integer', description: 'port (0: a free one)', default: 4222, min: 0, max: 65535 },
  store: { type: 'string', description: 'JetStream store directory', default: 'runs/nats' },
} as const;

/** `saturn nats`: a local nats-server with JetStream for development; Ctrl-C stops it. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('nats', argv, SPEC);
  const server = await NatsServer.start({ port: flags.port || undefined, storeDir: flags.store });
  process.stdout.write(`nats-server with JetStream at ${server.url} (store ${flags.store}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
  return 0;
}
