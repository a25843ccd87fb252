import { existsSync } from 'node:fs';
import { NatsServer } from '../../src/bus/nats-server.ts';
import { SaturnError } from '../../src/errors.ts';
import { liveUrl, runPaths } from '../../src/run/run-dir.ts';

/** Where a run's broker is, and how to let go of it. */
export interface RunNats {
  url: string;
  /** `flag` (--nats), `live` (the running `saturn up`), `store` (started here on runs/<id>/nats), `default`. */
  source: 'flag' | 'live' | 'store' | 'default';
  stop(): Promise<void>;
}

/**
 * The NATS URL of run `run` for a command that reads it: `--nats` when given; else the broker of
 * the `saturn up` still running it; else, for a finished run, a nats-server started here on its
 * stored `runs/<id>/nats` (the command only reads; the server stops with `stop()`); else
 * `fallback`, or an error naming --nats.
 */
export async function runNats(nats: string | undefined, run: string, dir: string, fallback?: string): Promise<RunNats> {
  const noop = async () => undefined;
  if (nats) return { url: nats, source: 'flag', stop: noop };
  const paths = runPaths(dir, run);
  const live = liveUrl(paths);
  if (live) return { url: live, source: 'live', stop: noop };
  if (existsSync(paths.nats)) {
    const server = await NatsServer.start({ storeDir: paths.nats });
    return { url: server.url, source: 'store', stop: () => server.stop() };
  }
  if (fallback) return { url: fallback, source: 'default', stop: noop };
  throw new SaturnError(`--nats: required (no stored run ${run} in ${paths.nats}; give the broker's URL, or --dir where runs are kept)`);
}
