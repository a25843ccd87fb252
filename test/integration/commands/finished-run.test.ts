/**
 * A run after its `saturn up` has gone: only runs/<id>/ is left (the broker's store, maybe a
 * summary). `saturn dashboard`, `saturn export` and `saturn runs` must work from it with no
 * --nats, starting the stored broker themselves and stopping it when they end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, NatsServer, setupRun } from '../../../src/bus/index.ts';
import { checkpointHeader } from '../../../src/model/checkpoint.ts';
import { putPoolEntry } from '../../../src/bus/pool.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';
import { runPaths } from '../../../src/run/run-dir.ts';
import { publishRecord, useCommand } from '../../helpers/command.ts';
import { until } from '../../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'saturn-runs-'));
const RUN = 'done1';
const paths = runPaths(dir, RUN);
const dashboard = useCommand('dashboard');
const exporter = useCommand('export');
const runs = useCommand('runs');
const TASK = { name: 'jsonl', options: { path: 'examples/data/arithmetic-boxed.jsonl' } };

const ENTRY = { questionId: 'q1', split: 'train', prompt: 'What is 2 + 3?', answer: '5', prefix: [95], prefixText: '\\', fraction: 0.1, sourceFailure: '\\boxed{6}', selection: { successes: 4, trials: 8 }, pHat: 0.5, low: 0.2, high: 0.8, observations: 8, recent: [], policyVersion: 2, generation: 0, createdAt: 1, updatedAt: 2 } satisfies PoolEntry;

beforeAll(async () => {
  // The run as `saturn up` leaves it: a store with config, pool, checkpoint and metrics; then the broker stops.
  const server = await NatsServer.start({ storeDir: paths.nats });
  const nc = await connectBus({ servers: [server.url], name: 'finished-run-setup' });
  const bus = await setupRun(nc, RUN);
  await bus.state.put('config', JSON.stringify({ task: TASK }));
  await putPoolEntry(bus.pool, ENTRY);
  await bus.pool.put(Buffer.from('q2').toString('base64url'), JSON.stringify({ ...ENTRY, questionId: 'q2' })); // the old JSON form: left out, said
  await bus.weights.putBlob({ name: 'checkpoint/latest' }, readFileSync('checkpoints/arithmetic.ckpt'));
  publishRecord(bus, nc, 'learner', 1, { rewardMean: 0.5 });
  publishRecord(bus, nc, 'learner.done', 1, { step: 1, version: 1 });
  await until(async () => (await bus.jsm.streams.info(bus.names.streams.metrics)).state.messages === 2, 5_000, 'records stored');
  await nc.close();
  await server.stop();
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a finished run', () => {
  it('dashboard - without --nats replays a finished run from runs/<id>/nats and says it is finished', async () => {
    writeFileSync(paths.summary, JSON.stringify({ run: RUN, steps: 1, learnerExitCode: 0 }));
    const d = dashboard(['--run', RUN, '--dir', dir, '--port', '0']);
    await until(() => d.stdout().includes('\n') || d.child.exitCode !== null, 20_000, 'dashboard URL');
    const url = /dashboard: (\S+)/.exec(d.stdout())?.[1];
    expect(url, d.stderr()).toBeDefined();
    await until(async () => ((await (await fetch(`${url}history`)).json()) as unknown[]).length === 2, 10_000, 'history replayed');
    const history = (await (await fetch(`${url}history`)).json()) as Array<{ name: string }>;
    expect(history.map((r) => r.name)).toEqual(['learner', 'learner.done']);
    expect(d.stderr()).toContain('"broker":"store"');
    // The header's status frame, sent after the history on every /events connection.
    const events = new AbortController();
    const reader = (await fetch(`${url}events`, { signal: events.signal })).body!.getReader();
    let text = '';
    while (!text.includes('event: status')) text += new TextDecoder().decode((await reader.read()).value);
    events.abort();
    expect(text).toMatch(/event: status\ndata: \{[^\n]*"finished":true/);
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    rmSync(paths.summary);
  }, 40_000);

  it('export - prefixes and checkpoint from the stored broker; the checkpoint records the run’s task', async () => {
    const csv = exporter(['prefixes', '--run', RUN, '--dir', dir, '--format', 'csv']);
    expect(await csv.exited, csv.stderr()).toBe(0);
    expect(csv.stdout()).toBe('question,truncated_cot,ground_truth,p_hat,ci_low,ci_high,fraction,policy_version\r\nWhat is 2 + 3?,\\,5,0.5,0.2,0.8,0.1,2\r\n');
    expect(csv.stderr()).toMatch(/pool key cTI: left out: /);
    const out = join(dir, 'policy.ckpt');
    const ckpt = exporter(['checkpoint', '--run', RUN, '--dir', dir, '--out', out]);
    expect(await ckpt.exited, ckpt.stderr()).toBe(0);
    const { meta } = checkpointHeader(readFileSync(out));
    expect(meta).toMatchObject({ task: TASK, run: RUN });
    const missing = exporter(['prefixes', '--run', 'nope', '--dir', dir]);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain('--nats: required (no stored run nope');
  }, 60_000);

  it('runs - lists the run with its outcome', async () => {
    writeFileSync(paths.summary, JSON.stringify({ run: RUN, startedAt: '2026-12-03T10:00:00.000Z', steps: 1, learnerExitCode: 0 }));
    const r = runs(['--dir', dir, '--json']);
    expect(await r.exited).toBe(0);
    expect(JSON.parse(r.stdout())).toEqual([{ id: RUN, date: '2026-12-03T10:00:00.000Z', steps: 1, outcome: 'finished' }]);
  }, 20_000);
});
