import type { BusConnectOptions } from '../bus/connect.ts';
import type { FlagSpec } from './flags.ts';

/** Connection flags every command that talks to NATS takes. */
export const NATS_FLAGS = {
  nats: { type: 'string', description: 'NATS server URL(s), comma-separated' },
  user: { type: 'string', description: 'NATS user (with --pass)' },
  pass: { type: 'string', description: 'NATS password' },
  token: { type: 'string', description: 'NATS token' },
  creds: { type: 'string', description: 'NATS credentials file' },
  'tls-ca': { type: 'string', description: 'CA certificate file for TLS' },
  'tls-cert': { type: 'string', description: 'client certificate file for TLS' },
  'tls-key': { type: 'string', description: 'client key file for TLS' },
} as const satisfies Record<string, FlagSpec>;

type NatsFlagValues = { [K in keyof typeof NATS_FLAGS]: string | undefined };

/** Connect options from the flags (servers from `url` when given, else from --nats). */
export function connectOptions(f: NatsFlagValues, url?: string): BusConnectOptions {
  const servers = (url ?? f.nats ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const tls = f['tls-ca'] || f['tls-cert'] || f['tls-key'] ? { caFile: f['tls-ca'], certFile: f['tls-cert'], keyFile: f['tls-key'] } : undefined;
  return { servers, user: f.user, pass: f.pass, token: f.token, credsFile: f.creds, tls };
}
