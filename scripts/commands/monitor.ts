import type { Observable } from 'rxjs';
import { drainOrClose } from '../../src/bus/close.ts';
import { connectBus } from '../../src/bus/connect.ts';
import type { RawMsg } from '../../src/bus/decode-or-dead-letter.ts';
import { metrics$ } from '../../src/bus/metrics.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { rootLogger } from '../../src/log.ts';
import { checkRunId } from '../../src/protocol/subjects.ts';
import { RunCollector } from '../../src/run/summary.ts';
import { refreshLine, statusLine } from './up-status.ts';
import { observeMetrics } from './observer.ts';
import { runNats } from './run-nats.ts';

/** Where `saturn nats` listens; `saturn up` logs the URL of its embedded server at start. */
export const DEFAULT_NATS = 'nats://127.0.0.1:4222';

const SPEC = {
  ...NATS_FLAGS,
  nats: { ...NATS_FLAGS.nats, description: `NATS server URL(s); without it: the broker of the saturn up running the run, else the finished run's stored broker (<dir>/<run>/nats, started here), else ${DEFAULT_NATS}` },
  run: { type: 'string', description: 'run id (required)' },
  dir: { type: 'string', description: 'where runs are kept', default: 'runs' },
  json: { type: 'boolean', description: 'every metrics record as one JSON line on stdout (NaN and ±∞ print as null)', default: false },
  replay: { type: 'boolean', description: 'start from the first record the run’s metrics stream keeps, then follow live ones', default: false },
} as const;

/** Stdout as a live view: on a terminal the status line is redrawn in place, events scroll above it. */
function liveOutput(out: NodeJS.WriteStream) {
  const tty = out.isTTY;
  let status = '';
  return {
    /** A line that stays (a refresh event, a JSON record). */
    event(line: string) {
      out.write(tty ? `\r\x1b[2K${line}\n${status}` : `${line}\n`);
    },
    /** The latest status, replacing the previous one on a terminal. */
    status(line: string) {
      status = line;
      out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    end() {
      if (tty && status) out.write('\n');
    },
  };
}

/**
 * `saturn monitor`: a read-only view of a running run's metrics. Prints a status line each
 * second while records arrive and a line per refresh event, or (`--json`) each record as a JSON
 * line. Malformed records are counted and skipped — an observer never dead-letters. Stops on
 * SIGINT/SIGTERM (unsubscribe, drain, exit 0).
 */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('monitor', argv, SPEC);
  if (positionals.length) throw new SaturnError(`monitor: unexpected argument ${JSON.stringify(positionals[0])} (give the run id with --run)`);
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const runId = checkRunId(flags.run, '--run');
  const log = rootLogger.child({ command: 'monitor', run: runId });

  const broker = await runNats(flags.nats, runId, flags.dir, DEFAULT_NATS);
  let nc;
  let source: Observable<RawMsg>;
  try {
    nc = await connectBus({ ...connectOptions(flags, broker.url, broker.env), name: `monitor-${runId}` });
    try {
      source = await metrics$(nc, runId, { replay: flags.replay });
    } catch (e) {
      await nc.close();
      throw e;
    }
  } catch (e) {
    await broker.stop();
    throw e;
  }

  // The view's clock starts when the monitor does, or, on a replay, at the first record kept;
  // the status line shows the time of the latest record, so a replayed run reads as it ran.
  let t0 = flags.replay ? undefined : Date.now();
  let latestTs: number | undefined;
  const seconds = (ts: number) => Math.max(0, (ts - (t0 ??= ts)) / 1000);
  const collector = new RunCollector();
  const out = liveOutput(process.stdout);
  let records = 0;
  let shown = 0;

  const observer = observeMetrics(source, log, {
    record: (r) => {
      records += 1;
      latestTs = Math.max(latestTs ?? r.ts, r.ts);
      if (flags.json) return out.event(JSON.stringify(r));
      collector.add(r);
      const event = refreshLine(r, seconds(r.ts));
      if (event) out.event(event);
    },
  });
  const { malformed } = observer;
  // `saturn monitor --json | head` closes stdout: that is a normal end too.
  process.stdout.on('error', () => observer.finish({ code: 0, reason: 'stdout closed' }));
  await nc.flush();
  log.info({ nats: broker.url, broker: broker.source, replay: flags.replay }, 'monitoring');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') log.warn({ server: s.server }, 'NATS connection lost; reconnecting');
      if (s.type === 'reconnect') log.info({ server: s.server }, 'NATS reconnected');
    }
  })();

  const ticker = flags.json
    ? undefined
    : setInterval(() => {
        if (records === shown) return;
        shown = records;
        out.status(`${statusLine(collector, undefined, seconds(flags.replay ? latestTs ?? Date.now() : Date.now()))}${malformed.total ? ` | malformed ${malformed.total}` : ''}`);
      }, 1_000);

  const { code, reason } = await observer.ended;
  observer.stop();
  clearInterval(ticker);
  out.end();
  // Bounded, like an actor's: a monitor asked to stop never hangs on a broker that is gone.
  await drainOrClose(nc);
  await broker.stop();
  const summary = { records, malformed: malformed.total, malformedByCause: malformed.byCause() };
  if (code === 0) log.info({ ...summary, reason }, 'monitor stopped');
  else log.error({ ...summary }, `monitor stopped: ${reason}`);
  return code;
}
