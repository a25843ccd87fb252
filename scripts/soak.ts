// scripts/soak: a `saturn up` run left going for --minutes; every actor's memory gauges (its
// heartbeat's `actor.<kind>` metrics: rssMb, heapMb, tfTensors, tfMb) are sampled once per
// --interval, and the report gives per actor the least-squares slope after --warmup minutes. A
// run meant to last days needs RSS flat (≤ 2 MB/min) and the tensor count constant.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBus } from '../src/bus/connect.ts';
import { subscribe$ } from '../src/bus/observable.ts';
import { JSON_FLAG } from '../src/cli/common-flags.ts';
import { parseFlags } from '../src/cli/flags.ts';
import { decode } from '../src/protocol/codec.ts';
import { runNames } from '../src/protocol/subjects.ts';
import { liveBroker, runPaths } from '../src/run/run-dir.ts';

const BIN = fileURLToPath(new URL('../bin/saturn.mjs', import.meta.url));
const SPEC = {
  minutes: { type: 'number', description: 'how long the run goes', default: 30, min: 1 },
  warmup: { type: 'number', description: 'minutes left out of the slopes', default: 5, min: 0 },
  interval: { type: 'number', description: 'seconds between samples', default: 60, min: 1 },
  config: { type: 'string', description: 'run config JSON passed to saturn up' },
  actors: { type: 'integer', description: 'rollout actor processes (default: from the config)', min: 0 },
  dir: { type: 'string', description: 'where the run’s logs and NATS store go (default: a fresh temp dir)' },
  'max-rss-slope': { type: 'number', description: 'MB/min an actor may grow after warm-up', default: 2, min: 0 },
  json: JSON_FLAG,
} as const;

interface Sample {
  minute: number;
  rssMb: number;
  heapMb: number;
  tfTensors: number;
  tfMb: number;
}

/** Least-squares slope of y over x (per unit of x); NaN under two points. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

async function main(argv: string[]): Promise<number> {
  const { flags } = parseFlags('soak', argv, SPEC);
  const dir = flags.dir ? resolve(flags.dir) : await mkdtemp(join(tmpdir(), 'saturn-soak-'));
  const run = `soak-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
  const args = [BIN, 'up', '--run', run, '--dir', dir, '--max-steps', '1000000', '--skip-eval'];
  if (flags.config) args.push('--config', resolve(flags.config));
  if (flags.actors !== undefined) args.push('--actors', String(flags.actors));
  const up = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((r) => up.on('exit', (code) => r(code)));
  let stderr = '';
  const url = await new Promise<string>((ok, fail) => {
    up.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
      const m = /--nats (\S+)/.exec(stderr);
      if (m) ok(m[1]!);
    });
    void exited.then((code) => fail(new Error(`saturn up exited (${code}) before the run started:\n${stderr.slice(-2_000)}`)));
  });

  // up's broker wants the run's token (auth is on by default); up keeps it, user-only, in live.json.
  const token = liveBroker(runPaths(dir, run))?.token;
  const nc = await connectBus({ servers: url, name: `soak-${run}`, ...(token ? { token } : {}) });
  const latest = new Map<string, Record<string, number>>();
  const subscription = subscribe$(nc, runNames(run).subjects.allMetrics).subscribe((m) => {
    const r = decode(m.data, 'metrics.record');
    if (r.ok && r.value.name.startsWith('actor.')) latest.set(`${r.value.name.slice('actor.'.length)}:${r.value.values.actorPid}`, r.value.values);
  });
  const series = new Map<string, Sample[]>();
  const started = Date.now();
  const minute = () => (Date.now() - started) / 60_000;
  try {
    while (minute() < flags.minutes) {
      await Promise.race([new Promise((r) => setTimeout(r, Math.min(flags.interval * 1000, (flags.minutes - minute()) * 60_000 + 10))), exited]);
      if (up.exitCode !== null) throw new Error(`saturn up exited (${up.exitCode}) ${minute().toFixed(1)} minutes in:\n${stderr.slice(-2_000)}`);
      for (const [actor, v] of latest) {
        const s = series.get(actor) ?? [];
        s.push({ minute: +minute().toFixed(2), rssMb: v.rssMb ?? NaN, heapMb: v.heapMb ?? NaN, tfTensors: v.tfTensors ?? NaN, tfMb: v.tfMb ?? NaN });
        series.set(actor, s);
      }
      if (!flags.json) process.stderr.write(`soak ${minute().toFixed(1)}/${flags.minutes} min: ${[...latest].map(([a, v]) => `${a} ${(v.rssMb ?? NaN).toFixed(0)} MB ${v.tfTensors} tensors`).join(', ')}\n`);
    }
  } finally {
    subscription.unsubscribe();
    await nc.close();
    up.kill('SIGINT');
    const timer = setTimeout(() => up.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }

  const r2 = (x: number) => +x.toFixed(2);
  const actors = [...series].map(([actor, samples]) => {
    const after = samples.filter((s) => s.minute >= flags.warmup);
    const tensors = after.map((s) => s.tfTensors);
    const rssSlope = slope(after.map((s) => [s.minute, s.rssMb]));
    return {
      actor,
      samples: samples.length,
      rssMb: { first: r2(samples[0]!.rssMb), afterWarmup: r2(after[0]?.rssMb ?? NaN), last: r2(samples.at(-1)!.rssMb), max: r2(Math.max(...samples.map((s) => s.rssMb))) },
      rssSlopeMbPerMin: r2(rssSlope),
      heapSlopeMbPerMin: r2(slope(after.map((s) => [s.minute, s.heapMb]))),
      tfMbSlopePerMin: r2(slope(after.map((s) => [s.minute, s.tfMb]))),
      tfTensors: { min: Math.min(...tensors), max: Math.max(...tensors) },
      tensorsFlat: tensors.length > 0 && Math.min(...tensors) === Math.max(...tensors),
      rssFlat: Number.isFinite(rssSlope) && rssSlope <= flags['max-rss-slope'],
      // [minute, rssMb, tfTensors] per sample: a step (a worker started, a cache filled) reads
      // differently from a ramp, and a short soak's slope cannot tell them apart.
      series: samples.map((s) => [s.minute, Math.round(s.rssMb), s.tfTensors]),
    };
  });
  const report = {
    run,
    logs: dir,
    minutes: flags.minutes,
    warmupMinutes: flags.warmup,
    maxRssSlopeMbPerMin: flags['max-rss-slope'],
    actors,
    ok: actors.length > 0 && actors.every((a) => a.rssFlat && a.tensorsFlat),
  };
  process.stdout.write(JSON.stringify(report, null, flags.json ? undefined : 2) + '\n');
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
