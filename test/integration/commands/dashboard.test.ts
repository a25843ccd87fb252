/**
 * `saturn dashboard` as a real child process against a private nats-server: the run's streams
 * are set up as the actors do, metrics are published with saturn's own publish path, and the
 * page, event stream and history are read over HTTP as a browser would.
 */
import { get } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, setupRun, type RunBus } from '../../../src/bus/index.ts';
import type { MetricsRecord } from '../../../src/protocol/index.ts';
import { publishRecord as publish, useCommand } from '../../helpers/command.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();
const spawnDashboard = useCommand('dashboard');

/** `saturn dashboard <args>` as a child process, with its output so far. */
function dashboard(args: string[]) {
  const p = spawnDashboard(args);
  return {
    ...p,
    /** The page's URL, from the first stdout line (printed once the dashboard is subscribed and listening). */
    url: async () => {
      await until(() => p.stdout().includes('\n') || p.child.exitCode !== null, 15_000, 'dashboard URL on stdout');
      const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(p.stdout());
      if (!m) throw new Error(`no URL as the first stdout line: ${JSON.stringify(p.stdout())}; stderr ${p.stderr()}`);
      return m[1]!;
    },
  };
}

interface Status {
  records: number;
  malformed: number;
  kept: number;
  nats: string;
}

/** An open `/events` stream, parsed as EventSource does: plain events are records, `status` events the header's figures. */
function events(url: string) {
  const seen = { records: [] as MetricsRecord[], status: [] as Status[], other: [] as string[], ended: false, type: '' };
  get(`${url}events`, (res) => {
    seen.type = String(res.headers['content-type']);
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
        const data = lines.filter((l) => l.startsWith('data: '));
        if (data.length !== 1) seen.other.push(lines.join('\\n'));
        else if (event === undefined) seen.records.push(JSON.parse(data[0]!.slice('data: '.length)));
        else if (event === 'status') seen.status.push(JSON.parse(data[0]!.slice('data: '.length)));
        else seen.other.push(lines.join('\\n'));
      }
    });
    res.on('end', () => (seen.ended = true));
  });
  return seen;
}


const VARIANCE = {
  meanRewardStd: 0.21,
  informativeShare: 0.5,
  zeroVarianceShare: 0.5,
  windowMeanRewardStd: 0.25,
  windowInformativeShare: 0.55,
  prefixMeanRewardStd: 0.4,
  prefixInformativeShare: 0.75,
  originalMeanRewardStd: 0.1,
  originalInformativeShare: 0.25,
  groups: 4,
  poolSize: 6,
};

async function newRun() {
  const run = nats.runId();
  const nc = await nats.connect();
  const bus = await setupRun(nc, run);
  return { run, nc, bus };
}

const stored = (bus: RunBus, n: number) => until(async () => (await bus.jsm.streams.info(bus.names.streams.metrics)).state.messages === n, 5_000, `${n} metrics stored`);
const steps = (records: MetricsRecord[]) => records.map((r) => [r.name, r.step]);

describe('dashboard', () => {
  it('dashboard - replays the run, streams live records once each, skips a malformed one, serves page and history, exits 0 on SIGINT', async () => {
    const { run, nc, bus } = await newRun();
    publish(bus, nc, 'variance', 1, VARIANCE);
    publish(bus, nc, 'refresh.drift', 1, { entries: 2, meanPHat: 0.9, questions: 2, reprobed: -1 });
    await stored(bus, 2);

    const d = dashboard(['--run', run, '--nats', nats.url, '--port', '0']);
    const url = await d.url();

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`"run":"${run}"`);
    expect(html).toContain('prefixMeanRewardStd');

    const first = events(url);
    await until(() => first.records.length >= 2, 15_000, 'replayed records');
    publish(bus, nc, 'variance', 2, { ...VARIANCE, meanRewardStd: Number.NaN });
    nc.publish(bus.names.subjects.metrics('variance'), new Uint8Array([0xc1, 0xff, 0x00]));
    publish(bus, nc, 'groups.prefix', 2, { mean: 0.5, std: 0.5, n: 4, informative: 1 });
    await until(() => first.records.length >= 4 && first.status.some((s) => s.malformed === 1), 10_000, 'live records and the malformed count');

    expect(first.type).toMatch(/^text\/event-stream/);
    expect(steps(first.records)).toEqual([['variance', 1], ['refresh.drift', 1], ['variance', 2], ['groups.prefix', 2]]);
    expect(first.records[0]).toMatchObject({ type: 'metrics.record', values: { ...VARIANCE, actorPid: 4242 } });
    expect(first.records[2]!.values.meanRewardStd).toBeNull(); // NaN has no JSON form
    expect(first.other).toEqual([]);
    expect(d.stderr()).toContain('malformed metrics record skipped');

    // A viewer arriving now gets the kept history (not the groups.* record), then the figures so far.
    const second = events(url);
    await until(() => second.status.length >= 1, 10_000, 'history and status for a new viewer');
    expect(steps(second.records)).toEqual([['variance', 1], ['refresh.drift', 1], ['variance', 2]]);
    expect(second.status[0]).toEqual({ records: 4, malformed: 1, kept: 3, nats: 'connected', finished: false });

    const history = await fetch(`${url}history`);
    expect(history.status).toBe(200);
    expect(steps((await history.json()) as MetricsRecord[])).toEqual([['variance', 1], ['refresh.drift', 1], ['variance', 2]]);
    const missing = await fetch(`${url}no-such-page`);
    expect(missing.status).toBe(404);
    await missing.text();

    // Read-only: the garbage is stored by the metrics stream, but nothing went to the dead stream.
    await stored(bus, 5);
    expect((await bus.jsm.streams.info(bus.names.streams.dead)).state.messages).toBe(0);

    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    await until(() => first.ended && second.ended, 5_000, 'event streams ended');
    expect(d.stderr()).toMatch(/"records":4,"malformed":1.*"kept":3,"viewers":2.*"msg":"dashboard stopped"/);
  });

  it('dashboard - --live starts from records published after it, and SIGTERM stops it', async () => {
    const { run, nc, bus } = await newRun();
    publish(bus, nc, 'variance', 1, VARIANCE);
    await stored(bus, 1);

    const d = dashboard(['--run', run, '--nats', nats.url, '--port', '0', '--live']);
    const url = await d.url();
    const viewer = events(url);
    await until(() => viewer.status.length >= 1, 10_000, 'status for the viewer');
    expect(viewer.status[0]).toEqual({ records: 0, malformed: 0, kept: 0, nats: 'connected', finished: false });
    publish(bus, nc, 'learner', 2, { rewardMean: 0.75, approxKl: 0.0012 });
    await until(() => viewer.records.length >= 1, 10_000, 'live record');
    // A replay would have delivered step 1 before step 2 on the same ordered stream.
    expect(steps(viewer.records)).toEqual([['learner', 2]]);

    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    await until(() => viewer.ended, 5_000, 'event stream ended');
  });

  it('dashboard - an unknown run, an unreachable server, a bad flag and a port in use are one-line errors', async () => {
    const { run } = await newRun();
    const deadUrl = `nats://127.0.0.1:${await freePort()}`;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const cases = [
        { args: ['--run', 'no_such_run', '--nats', nats.url], says: 'run "no_such_run" not found on NATS at' },
        { args: ['--run', 'r1', '--nats', deadUrl], says: `cannot connect to NATS at ${deadUrl}` },
        { args: ['--run', 'r1', '--nats', nats.url, '--port', '70000'], says: '--port: expected an integer ≥ 0 and ≤ 65535, got "70000"' },
        { args: ['--run', 'r1', '--nats', nats.url, '--max-steps', '3'], says: "Unknown option '--max-steps'" },
        { args: ['--run', run, '--nats', nats.url, '--port', String(takenPort)], says: `cannot listen on 127.0.0.1:${takenPort} (EADDRINUSE)` },
      ];
      const runs = cases.map((c) => ({ ...c, d: dashboard(c.args) }));
      for (const { d, says } of runs) {
        expect(await d.exited).toBe(2);
        const lines = d.stderr().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`saturn dashboard: ${says}`);
        expect(d.stdout()).toBe('');
      }
    } finally {
      taken.close();
    }
  });
});
