import type { BusConnectOptions } from '../bus/connect.ts';
import type { FlagSpec } from './flags.ts';

/** Connection flags every command that talks to NATS takes. */
export const NATS_FLAGS = {
  nats: { type: 'string', description: 'NATS server URL(s), comma-separated' },
  user: { type: 'string', description: 'NATS user (with --pass)' },
  pass: { type: 'string', description: 'NATS password (better: SATURN_NATS_PASS, out of `ps`)' },
  token: { type: 'string', description: 'NATS token (better: SATURN_NATS_TOKEN, out of `ps`)' },
  creds: { type: 'string', description: 'NATS credentials file' },
  'tls-ca': { type: 'string', description: 'CA certificate file for TLS' },
  'tls-cert': { type: 'string', description: 'client certificate file for TLS' },
  'tls-key': { type: 'string', description: 'client key file for TLS' },
} as const satisfies Record<string, FlagSpec>;

type NatsFlagValues = { [K in keyof typeof NATS_FLAGS]: string | undefined };

/**
 * Environment variables that carry NATS secrets, so they need not appear on a command line
 * (where `ps` shows them to every local user). `saturn up` hands its actors the run's token in
 * {@link NATS_ENV.token}.
 */
export const NATS_ENV = Object.freeze({ user: 'SATURN_NATS_USER', pass: 'SATURN_NATS_PASS', token: 'SATURN_NATS_TOKEN' });

/**
 * Connect options from the flags (servers from `url` when given, else from --nats). Credentials
 * come from --user/--pass/--token when any is given, else from the {@link NATS_ENV} variables.
 */
export function connectOptions(f: NatsFlagValues, url?: string, env: NodeJS.ProcessEnv = process.env): BusConnectOptions {
  const servers = (url ?? f.nats ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const tls = f['tls-ca'] || f['tls-cert'] || f['tls-key'] ? { caFile: f['tls-ca'], certFile: f['tls-cert'], keyFile: f['tls-key'] } : undefined;
  const fromFlags = f.user !== undefined || f.pass !== undefined || f.token !== undefined;
  const secret = (key: keyof typeof NATS_ENV) => (fromFlags ? f[key] : env[NATS_ENV[key]] || undefined);
  return { servers, user: secret('user'), pass: secret('pass'), token: secret('token'), credsFile: f.creds, tls };
}

/**
 * The environment a child process needs to connect like `options` without any secret on its
 * command line: the credentials as {@link NATS_ENV} variables (the others removed).
 */
export function secretsEnv(options: BusConnectOptions, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of Object.keys(NATS_ENV) as Array<keyof typeof NATS_ENV>) {
    if (options[key] === undefined) delete out[NATS_ENV[key]];
    else out[NATS_ENV[key]] = options[key];
  }
  return out;
}
