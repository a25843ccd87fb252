/**
 * `saturn monitor` as a real child process against a private nats-server: the run's streams are
 * set up as the actors do, metrics are published with saturn's own publish path.
 */
import { describe, expect, it } from 'vitest';
import { freePort, setupRun } from '../../../src/bus/index.ts';
import type { MetricsRecord } from '../../../src/protocol/index.ts';
import { publishRecord as publish, useCommand } from '../../helpers/command.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();
const spawnMonitor = useCommand('monitor');

/** `saturn monitor <args>` as a child process, with its output so far. */
function monitor(args: string[]) {
  const p = spawnMonitor(args);
  return {
    ...p,
    /** The JSON lines printed so far. */
    records: () => p.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricsRecord),
    /** Resolves once the monitor is subscribed (it logs `monitoring`). */
    ready: () => until(() => p.stderr().includes('"msg":"monitoring"'), 15_000, 'monitor ready'),
  };
}

const VARIANCE = { meanRewardStd: 0.21, informativeShare: 0.5, zeroVarianceShare: 0.5, windowMeanRewardStd: 0.25, windowInformativeShare: 0.55, groups: 4, poolSize: 6 };
const REFRESH = { meanRewardStd: 0.21, informativeShare: 0.5, windowSteps: 4, questions: 6, reprobed: 6 };

async function newRun() {
  const run = nats.runId();
  const nc = await nats.connect();
  const bus = await setupRun(nc, run);
  return { run, nc, bus };
}

describe('monitor', () => {
  it('monitor - --json prints every decoded record live, skips a malformed one without dead-lettering, exits 0 on SIGINT', async () => {
    const { run, nc, bus } = await newRun();
    const m = monitor(['--run', run, '--nats', nats.url, '--json']);
    await m.ready();

    publish(bus, nc, 'variance', 1, VARIANCE);
    publish(bus, nc, 'refresh.low-reward-std', 1, REFRESH);
    nc.publish(bus.names.subjects.metrics('variance'), new Uint8Array([0xc1, 0xff, 0x00]));
    publish(bus, nc, 'variance', 2, { ...VARIANCE, meanRewardStd: Number.NaN });
    await until(() => m.records().length >= 3, 10_000, 'three records printed');

    const records = m.records();
    expect(records.map((r) => [r.name, r.step])).toEqual([['variance', 1], ['refresh.low-reward-std', 1], ['variance', 2]]);
    expect(records[0]).toMatchObject({ type: 'metrics.record', values: { ...VARIANCE, actorPid: 4242 } });
    expect(records[1]!.values).toMatchObject(REFRESH);
    expect(records[2]!.values.meanRewardStd).toBeNull(); // NaN has no JSON form
    expect(m.child.exitCode).toBeNull();
    expect(m.stderr()).toContain('malformed metrics record skipped');
    // Read-only: the garbage is stored by the metrics stream, but nothing went to the dead stream.
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.metrics)).state.messages === 4, 5_000, 'metrics stored');
    expect((await bus.jsm.streams.info(bus.names.streams.dead)).state.messages).toBe(0);

    m.child.kill('SIGINT');
    expect(await m.exited).toBe(0);
    expect(m.stderr()).toMatch(/"records":3,"malformed":1.*"msg":"monitor stopped"/);
  });

  it('monitor - --replay prints the records published before it started, then live ones, once each', async () => {
    const { run, nc, bus } = await newRun();
    publish(bus, nc, 'variance', 1, VARIANCE);
    publish(bus, nc, 'refresh.drift', 1, { entries: 2, meanPHat: 0.9, questions: 2, reprobed: -1 });
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.metrics)).state.messages === 2, 5_000, 'metrics stored');

    const m = monitor(['--run', run, '--nats', nats.url, '--json', '--replay']);
    await until(() => m.records().length >= 2, 15_000, 'replayed records');
    publish(bus, nc, 'variance', 2, VARIANCE);
    await until(() => m.records().length >= 3, 10_000, 'live record after the replay');
    expect(m.records().map((r) => [r.name, r.step])).toEqual([['variance', 1], ['refresh.drift', 1], ['variance', 2]]);

    m.child.kill('SIGTERM');
    expect(await m.exited).toBe(0);
  });

  it('monitor - default view: a line per refresh event with its cause, and a status line while metrics flow', async () => {
    const { run, nc, bus } = await newRun();
    const m = monitor(['--run', run, '--nats', nats.url]);
    await m.ready();
    publish(bus, nc, 'learner', 3, { rewardMean: 0.75, approxKl: 0.0012 });
    publish(bus, nc, 'variance', 3, VARIANCE);
    publish(bus, nc, 'refresh.low-reward-std', 3, REFRESH);
    await until(() => /\| refreshes 1 \|/.test(m.stdout()), 10_000, 'status line');

    expect(m.stdout()).toMatch(/refresh low-reward-std at step 3: 6 questions, 6 re-probed \(meanRewardStd 0\.21, informativeShare 0\.50, windowSteps 4\)\n/);
    expect(m.stdout()).toMatch(/step 3 \| pool 0 .* \| std pre – orig – \| reward 0\.75 \| refreshes 1 \| rollouts 0/);
    m.child.kill('SIGINT');
    expect(await m.exited).toBe(0);
  });

  it('monitor - an unknown run, an unreachable server and a bad flag are one-line errors', async () => {
    const deadUrl = `nats://127.0.0.1:${await freePort()}`;
    const cases = [
      { args: ['--run', 'no_such_run', '--nats', nats.url], says: 'run "no_such_run" not found on NATS at' },
      { args: ['--run', 'r1', '--nats', deadUrl], says: `cannot connect to NATS at ${deadUrl}` },
      { args: ['--run', 'r1', '--nats', nats.url, '--max-steps', '3'], says: "Unknown option '--max-steps'" },
    ];
    const runs = cases.map((c) => ({ ...c, m: monitor(c.args) }));
    for (const { m, says } of runs) {
      expect(await m.exited).toBe(2);
      const lines = m.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`saturn monitor: ${says}`);
      expect(m.stdout()).toBe('');
    }
  });
});
