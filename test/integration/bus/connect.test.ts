import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusConnectError, BusOptionError, connectBus, freePort, NatsServer } from '../../../src/bus/index.ts';

describe('connect - errors name what is wrong', () => {
  it('connect - no server answering is a BusConnectError naming every URL', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const servers = [`nats://127.0.0.1:${a}`, `nats://127.0.0.1:${b}`];
    const started = Date.now();
    const err = await connectBus({ servers, timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusConnectError);
    expect((err as Error).message).toContain(`cannot connect to NATS at nats://127.0.0.1:${a}, nats://127.0.0.1:${b}`);
    expect((err as BusConnectError).retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000); // fails fast, despite "never give up" reconnects
  });

  it.each([
    [{ servers: [] }, 'servers: expected one or more server URLs, got []'],
    [{ servers: 'x', credsFile: '/nonexistent/saturn.creds' }, 'credsFile: expected a readable file, got "/nonexistent/saturn.creds"'],
    [{ servers: 'x', tls: { caFile: '/nonexistent/ca.pem' } }, 'tls.caFile: expected a readable file, got "/nonexistent/ca.pem"'],
    [{ servers: 'x', token: 't', user: 'u', pass: 'p' }, 'token: expected either token or user/pass, not both'],
    [{ servers: 'x', user: 'u' }, 'pass: expected user and pass together'],
  ])('connect - unusable option %j is a BusOptionError', async (options, message) => {
    const err = await connectBus(options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusOptionError);
    expect((err as Error).message).toBe(message);
  });
});

describe('connect - authentication', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start({ args: ['--user', 'saturn', '--pass', 's3cret'] });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('connect - user and password are sent; wrong ones are a non-retryable BusConnectError', async () => {
    const nc = await connectBus({ servers: server.url, user: 'saturn', pass: 's3cret' });
    expect(nc.info?.jetstream).toBe(true);
    await nc.close();
    const err = await connectBus({ servers: server.url, user: 'saturn', pass: 'wrong', timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusConnectError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot connect to NATS at ${server.url}: .*[Aa]uthorization`));
    expect((err as BusConnectError).retryable).toBe(false);
  });
});
