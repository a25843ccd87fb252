import { describe, expect, it } from 'vitest';
import { connectBus, NatsServer, NatsServerNotFoundError, setupRun } from '../../../src/bus/index.ts';
import { nextReconnect } from '../../helpers/nats.ts';

describe('nats-server - launcher', () => {
  it('nats-server - a missing binary is a one-line error saying how to install it', async () => {
    const err = await NatsServer.start({ bin: '/nonexistent/nats-server' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatsServerNotFoundError);
    expect((err as Error).message).toBe(
      "nats-server not found on PATH; install it with: apt-get install -y nats-server (or run the README's first command)",
    );
  });

  it('nats-server - restart keeps port and JetStream store; dispose removes the temp store', async () => {
    const server = await NatsServer.start();
    try {
      const nc = await connectBus({ servers: server.url, reconnectTimeWaitMs: 100 });
      const bus = await setupRun(nc, 'launcher');
      await bus.state.put('config', new TextEncoder().encode('kept'));
      const port = server.port;
      const reconnected = nextReconnect(nc);
      await server.kill();
      expect(server.running).toBe(false);
      await server.restart();
      expect(server.port).toBe(port);
      await reconnected;
      const entry = await bus.state.get('config');
      expect(new TextDecoder().decode(entry?.value)).toBe('kept');
      await nc.close();
    } finally {
      await server.dispose();
    }
    const { existsSync } = await import('node:fs');
    expect(existsSync(server.storeDir)).toBe(false);
  });
});
