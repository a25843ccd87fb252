import type { Observable } from 'rxjs';
import { drainOrClose } from '../../src/bus/close.ts';
import { connectBus } from '../../src/bus/connect.ts';
import type { RawMsg } from '../../src/bus/decode-or-dead-letter.ts';
import { metrics$ } from '../../src/bus/metrics.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { CHARTS, chartFamilies } from '../../src/dashboard/charts.ts';
import { History } from '../../src/dashboard/history.ts';
import { dashboardPage } from '../../src/dashboard/page.ts';
import { serveDashboard, type DashboardServer } from '../../src/dashboard/server.ts';
import { SseClients, sseFrame } from '../../src/dashboard/sse.ts';
import { SaturnError } from '../../src/errors.ts';
import { rootLogger } from '../../src/log.ts';
import { checkRunId } from '../../src/protocol/subjects.ts';
import { readSummary, runPaths } from '../../src/run/run-dir.ts';
import { DEFAULT_NATS } from './monitor.ts';
import { observeMetrics } from './observer.ts';
import { runNats } from './run-nats.ts';

const SPEC = {
  ...NATS_FLAGS,
  nats: { ...NATS_FLAGS.nats, description: `NATS server URL(s); without it: the broker of the saturn up running the run, else the finished run's stored broker (<dir>/<run>/nats, started here), else ${DEFAULT_NATS}` },
  run: { type: 'string', description: 'run id (required)' },
  dir: { type: 'string', description: 'where runs are kept', default: 'runs' },
  host: { type: 'string', description: 'address the page is served on', default: '127.0.0.1' },
  port: { type: 'integer', description: 'port the page is served on (0: any free port)', default: 8787, min: 0, max: 65_535 },
  live: { type: 'boolean', description: 'only records published from now on (by default the run’s metrics stream is read from its start, so the page has history)', default: false },
  keep: { type: 'integer', description: 'records kept for the page’s history per charted metric family (variance, learner, pool, refresh)', default: 20_000, min: 1 },
} as const;

/**
 * `saturn dashboard`: a running run's metrics as live charts in the browser, the sibling of
 * `saturn monitor`. Serves one self-contained page; `/events` streams every decoded record
 * (Server-Sent Events, history first), `/history` returns the kept records. Read-only: malformed
 * records are counted and skipped, never dead-lettered. Prints the page's URL as its first
 * stdout line; stops on SIGINT/SIGTERM (event streams ended, server closed, NATS drained, exit 0).
 */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('dashboard', argv, SPEC);
  if (positionals.length) throw new SaturnError(`dashboard: unexpected argument ${JSON.stringify(positionals[0])} (give the run id with --run)`);
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const runId = checkRunId(flags.run, '--run');
  const log = rootLogger.child({ command: 'dashboard', run: runId });

  // Records are kept as their JSON text: that is what every viewer is sent, so it is made once.
  const history = new History<string>(chartFamilies(CHARTS), flags.keep);
  const clients = new SseClients();
  let records = 0;
  let malformed = 0;
  let nats: 'connected' | 'reconnecting' = 'connected';
  // A run whose `saturn up` wrote its summary has ended (the learner's `learner.done` record says so too).
  const finished = () => readSummary(runPaths(flags.dir, runId)) !== undefined;
  const status = () => sseFrame(JSON.stringify({ records, malformed, kept: history.size, nats, finished: finished() }), 'status');

  const broker = await runNats(flags.nats, runId, flags.dir, DEFAULT_NATS);
  let nc;
  try {
    nc = await connectBus({ ...connectOptions(flags, broker.url, broker.env), name: `dashboard-${runId}` });
  } catch (e) {
    await broker.stop();
    throw e;
  }
  let source: Observable<RawMsg>;
  let server: DashboardServer;
  try {
    source = await metrics$(nc, runId, { replay: !flags.live });
    server = await serveDashboard(flags.host, flags.port, {
      page: dashboardPage({ run: runId, charts: CHARTS, keep: flags.keep }),
      history: () => `[${history.toArray().join(',')}]`,
      openEvents: (res) => clients.add(res, history.toArray().map((json) => sseFrame(json)).join('') + status()),
    });
  } catch (e) {
    await nc.close();
    await broker.stop();
    throw e;
  }

  // Stdout carries only the URL; a reader that took it and left must not crash the server.
  const ignore = () => undefined;
  process.stdout.on('error', ignore);

  const observer = observeMetrics(source, log, {
    record: (r) => {
      records += 1;
      const json = JSON.stringify(r); // NaN and ±∞ become null
      history.add(r.name, json);
      clients.broadcast(sseFrame(json));
    },
    malformed: () => {
      malformed = observer.malformed.total;
      clients.broadcast(status());
    },
  });
  await nc.flush();
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type !== 'disconnect' && s.type !== 'reconnect') continue;
      nats = s.type === 'disconnect' ? 'reconnecting' : 'connected';
      if (s.type === 'disconnect') log.warn({ server: s.server }, 'NATS connection lost; reconnecting');
      else log.info({ server: s.server }, 'NATS reconnected');
      clients.broadcast(status());
    }
  })();
  process.stdout.write(`dashboard: ${server.url}\n`);
  log.info({ url: server.url, nats: broker.url, broker: broker.source, replay: !flags.live }, 'dashboard ready');

  const { code, reason } = await observer.ended;
  observer.stop();
  const viewers = clients.size;
  clients.closeAll();
  await server.close();
  // Bounded, like an actor's: a dashboard asked to stop never hangs on a broker that is gone.
  await drainOrClose(nc);
  await broker.stop();
  process.stdout.off('error', ignore);
  const summary = { records, malformed, malformedByCause: observer.malformed.byCause(), kept: history.size, viewers };
  if (code === 0) log.info({ ...summary, reason }, 'dashboard stopped');
  else log.error({ ...summary }, `dashboard stopped: ${reason}`);
  return code;
}
