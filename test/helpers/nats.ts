/**
 * A private nats-server per test suite: started in `beforeAll` on a free port with a temp
 * JetStream store, stopped and removed in `afterAll`, with every connection the suite opened
 * through it closed first. Tests get a fresh run id each so they never see each other's streams.
 *
 * @example
 * const nats = useNatsServer();
 * it('…', async () => { const nc = await nats.connect(); const run = nats.runId(); … });
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { connectBus, type BusConnectOptions } from '../../src/bus/connect.ts';
import { NatsServer, type NatsServerOptions } from '../../src/bus/nats-server.ts';

export interface NatsFixture {
  /** The running server (restart / kill it in fault tests). */
  readonly server: NatsServer;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** A connection that reconnects quickly, closed automatically after the suite. */
  connect(options?: Partial<BusConnectOptions>): Promise<NatsConnection>;
  /** A run id no other test in this process uses. */
  runId(): string;
}

let runs = 0;

export function useNatsServer(options: NatsServerOptions = {}): NatsFixture {
  let server: NatsServer | undefined;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    server = await NatsServer.start(options);
  });

  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await server?.dispose();
  });

  return {
    get server() {
      if (!server) throw new Error('nats-server not started yet (use it inside a test or hook)');
      return server;
    },
    get url() {
      return this.server.url;
    },
    async connect(extra = {}) {
      const nc = await connectBus({
        servers: this.url,
        reconnectTimeWaitMs: 100,
        reconnectJitterMs: 50,
        ...extra,
      });
      connections.push(nc);
      return nc;
    },
    runId() {
      runs += 1;
      return `t${process.pid}_${runs}`;
    },
  };
}

/**
 * Resolves at `nc`'s next successful reconnect. Call it before stopping the server: requests
 * made while disconnected fail or time out, so a test waits for this before the next one.
 */
export function nextReconnect(nc: NatsConnection): Promise<void> {
  return (async () => {
    for await (const s of nc.status()) if (s.type === 'reconnect') return;
  })();
}
