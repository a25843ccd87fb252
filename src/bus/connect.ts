/**
 * Connecting to NATS with the options a deployment needs — several servers, user/password,
 * token or a credentials file, TLS — and a reconnect policy that never gives up and waits (with
 * jitter) between attempts, so a broker restart costs a pause, not an actor.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { BusConnectError, BusOptionError } from './errors.ts';

/** How to reach NATS. Only `servers` is required. */
export interface BusConnectOptions {
  /** One URL or several (`nats://host:4222`, `tls://…`, `host:port`); tried in random order. */
  servers: string | readonly string[];
  /** Connection name shown by the server's monitoring, e.g. `saturn-rollout-3`. */
  name?: string;
  /** User name, with `pass`. */
  user?: string;
  pass?: string;
  /** Auth token (exclusive with user/pass). */
  token?: string;
  /** Path of a `.creds` file (JWT + NKey seed), for operator-mode accounts. */
  credsFile?: string;
  /** TLS files; giving any of them requires TLS. */
  tls?: {
    /** CA bundle that signed the server certificate. */
    caFile?: string;
    /** Client certificate, for mutual TLS (with `keyFile`). */
    certFile?: string;
    keyFile?: string;
  };
  /** How long one connection attempt (TCP + handshake) may take, ms. */
  timeoutMs?: number;
  /** Least time between two connection attempts to the same server, ms. */
  reconnectTimeWaitMs?: number;
  /** Upper bound of the random delay added to each reconnect wait, ms (spreads a herd). */
  reconnectJitterMs?: number;
  /** Reconnect attempts per server before giving up; -1 (the default) never gives up. */
  maxReconnectAttempts?: number;
}

/** Defaults of the reconnect and timeout options. */
export const CONNECT_DEFAULTS = Object.freeze({
  timeoutMs: 5_000,
  reconnectTimeWaitMs: 1_000,
  reconnectJitterMs: 500,
  maxReconnectAttempts: -1,
});

/**
 * A connection to the first server that answers. Rejects with {@link BusConnectError} naming
 * every URL when none does, and with {@link BusOptionError} before trying when an option is
 * unusable (a missing creds or TLS file, token together with user/password).
 *
 * @example
 * const nc = await connectBus({ servers: ['nats://a:4222', 'nats://b:4222'], credsFile: 'saturn.creds' });
 */
export async function connectBus(options: BusConnectOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw new BusOptionError('servers', 'one or more server URLs', options.servers);
  }
  const natsOptions = toNatsOptions(options, servers);
  try {
    return await connect(natsOptions);
  } catch (err) {
    const detail = describeConnectError(err);
    const refused = /authori[sz]ation|authentication|permission/i.test(detail);
    throw new BusConnectError(servers, refused ? `${detail} (wrong or missing credentials: give the run's token with SATURN_NATS_TOKEN=… or --token, or --user/--pass, --creds)` : detail, {
      cause: err,
      // Wrong credentials or certificates stay wrong; an unreachable server may come up.
      retryable: !refused && !/tls|certificate/i.test(detail),
    });
  }
}

/** Backoff of {@link connectPatiently}: the first wait, and the longest. */
export const PATIENT_WAIT_MS = Object.freeze({ first: 500, most: 15_000 });

/**
 * {@link connectBus}, waiting for a broker that is not up yet: a retryable failure (nothing
 * listening) is reported through `onWait` and tried again with doubling waits up to 15 s, for as
 * long as `stopped()` is false. Refusals that cannot heal (credentials, TLS, options) throw at once.
 */
export async function connectPatiently(
  options: BusConnectOptions,
  onWait: (error: BusConnectError, waitMs: number, attempt: number) => void,
  stopped: () => boolean = () => false,
): Promise<NatsConnection> {
  for (let attempt = 1, wait: number = PATIENT_WAIT_MS.first; ; attempt++, wait = Math.min(wait * 2, PATIENT_WAIT_MS.most)) {
    try {
      return await connectBus(options);
    } catch (err) {
      if (!(err instanceof BusConnectError) || !err.retryable || stopped()) throw err;
      onWait(err, wait, attempt);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function toNatsOptions(o: BusConnectOptions, servers: string[]): NodeConnectionOptions {
  if (o.token !== undefined && (o.user !== undefined || o.pass !== undefined)) {
    throw new BusOptionError('token', 'either token or user/pass, not both');
  }
  if ((o.user === undefined) !== (o.pass === undefined)) {
    throw new BusOptionError(o.user === undefined ? 'user' : 'pass', 'user and pass together');
  }
  const d = CONNECT_DEFAULTS;
  const natsOptions: NodeConnectionOptions = {
    servers,
    name: o.name,
    timeout: o.timeoutMs ?? d.timeoutMs,
    maxReconnectAttempts: o.maxReconnectAttempts ?? d.maxReconnectAttempts,
    // The client waits reconnectTimeWait + random(jitter) between attempts on one server and
    // cycles through the list meanwhile; jitter keeps many actors from reconnecting in lockstep.
    reconnectTimeWait: o.reconnectTimeWaitMs ?? d.reconnectTimeWaitMs,
    reconnectJitter: o.reconnectJitterMs ?? d.reconnectJitterMs,
    reconnectJitterTLS: o.reconnectJitterMs ?? d.reconnectJitterMs,
    user: o.user,
    pass: o.pass,
    token: o.token,
  };
  if (o.credsFile !== undefined) {
    const creds = readFile('credsFile', o.credsFile);
    natsOptions.authenticator = credsAuthenticator(new Uint8Array(creds));
  }
  if (o.tls !== undefined) {
    for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
      if (o.tls[key] !== undefined) readFile(`tls.${key}`, o.tls[key]);
    }
    if ((o.tls.certFile === undefined) !== (o.tls.keyFile === undefined)) {
      throw new BusOptionError('tls.keyFile', 'certFile and keyFile together (mutual TLS)');
    }
    natsOptions.tls = { ...o.tls };
  }
  return natsOptions;
}

function readFile(field: string, path: string): Buffer {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    return readFileSync(path);
  } catch {
    throw new BusOptionError(field, 'a readable file', path);
  }
}

function describeConnectError(err: unknown): string {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const parts = [e?.message ?? String(err)];
  const code = e?.cause?.code ?? e?.code;
  if (code && !parts[0].includes(code)) parts.push(`(${code})`);
  return parts.join(' ');
}
