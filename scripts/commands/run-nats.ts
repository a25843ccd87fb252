import { existsSync } from 'node:fs';
import { NatsServer } from '../../src/bus/nats-server.ts';
import { SaturnError } from '../../src/errors.ts';
import { NATS_ENV } from '../../src/cli/nats-flags.ts';
import { liveBroker, runPaths } from '../../src/run/run-dir.ts';

/** Where a run's broker is, and how to let go of it. */
export interface RunNats {
  url: string;
  /** `flag` (--nats), `live` (the running `saturn up`), `store` (started here on runs/<id>/nats), `default`. */
  source: 'flag' | 'live' | 'store' | 'default';
  stop(): Promise<void>;
  /**
   * The environment to take credentials from: the process's, plus the live run's token (from
   * runs/<id>/live.json) when no SATURN_NATS_TOKEN is set.
   */
  env: NodeJS.ProcessEnv;
}

/**
 * The NATS URL of run `run` for a command that reads it: `--nats` when given; else the broker of
 * the `saturn up` still running it; else, for a finished run, a nats-server started here on its
 * stored `runs/<id>/nats` (the command only reads; the server stops with `stop()`); else
 * `fallback`, or an error naming --nats.
 */
export async function runNats(nats: string | undefined, run: string, dir: string, fallback?: string): Promise<RunNats> {
  const noop = async () => undefined;
  const env = process.env;
  if (nats) return { url: nats, source: 'flag', stop: noop, env };
  const paths = runPaths(dir, run);
  const live = liveBroker(paths);
  if (live) return { url: live.url, source: 'live', stop: noop, env: live.token && !env[NATS_ENV.token] ? { ...env, [NATS_ENV.token]: live.token } : env };
  if (existsSync(paths.nats)) {
    // Started here for this process alone: no token, and loopback only.
    const server = await NatsServer.start({ storeDir: paths.nats });
    return { url: server.url, source: 'store', stop: () => server.stop(), env };
  }
  if (fallback) return { url: fallback, source: 'default', stop: noop, env };
  throw new SaturnError(`--nats: required (no stored run ${run} in ${paths.nats}; give the broker's URL, or --dir where runs are kept)`);
}
