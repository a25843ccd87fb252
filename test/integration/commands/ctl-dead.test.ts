/**
 * The operator's commands against a live run, as child processes: `saturn ctl status|stop` are
 * answered by the actors themselves, `saturn dead` lists the run's dead letters with their
 * reasons, and `saturn actor` started before its broker waits for it instead of exiting.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeActorContext, openActorContext } from '../../../actors/context.ts';
import { deadLetter, freePort, NatsServer, setupRun } from '../../../src/bus/index.ts';
import { runConfig } from '../../../src/run/config.ts';
import { useActors } from '../../helpers/actors.ts';
import { useCommand } from '../../helpers/command.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const nats = useNatsServer();
const ctl = useCommand('ctl');
const dead = useCommand('dead');
const actors = useActors();

describe('operator commands', () => {
  it('ctl - status is answered by every actor addressed; stop drains only the one named', async () => {
    const run = nats.runId();
    const config = runConfig({ heartbeatSeconds: 0.5 });
    const open = (id: string, kind: string) => openActorContext({ connect: { servers: nats.url }, run, config, kind, id });
    const [a, b] = await Promise.all([open('worker-a', 'rollout'), open('worker-b', 'selector')]);
    try {
      a.counters.handled = 7;
      const status = ctl(['status', '--run', run, '--nats', nats.url, '--json', '--wait', '1']);
      expect(await status.exited, status.stderr()).toBe(0);
      const replies = JSON.parse(status.stdout()).replies as Array<Record<string, unknown>>;
      expect(replies.map((r) => r.actor).sort()).toEqual(['worker-a', 'worker-b']);
      expect(replies.find((r) => r.actor === 'worker-a')).toMatchObject({ ok: true, kind: 'rollout', 'counters.handled': 7, stopping: false });

      const stop = ctl(['stop', '--run', run, '--nats', nats.url, '--actor', 'worker-b', '--wait', '1']);
      expect(await stop.exited, stop.stderr()).toBe(0);
      expect(b.stopRequested).toBe(true);
      expect(a.stopRequested).toBe(false);

      const nobody = ctl(['status', '--run', run, '--nats', nats.url, '--kind', 'learner', '--wait', '0.5']);
      expect(await nobody.exited).toBe(1);
      expect(nobody.stderr()).toContain('no actor of run');
    } finally {
      await Promise.all([closeActorContext(a), closeActorContext(b)]);
    }
  });

  it('dead - prints every dead letter of the run with its reason (--json too)', async () => {
    const run = nats.runId();
    const nc = await nats.connect();
    const bus = await setupRun(nc, run);
    const raw = new TextEncoder().encode('not msgpack at all');
    await deadLetter(bus.js, run, { reason: 'malformed: not msgpack', subject: bus.names.subjects.rolloutRequest('probe'), raw, actor: 'r1', seq: 3 });
    await deadLetter(bus.js, run, { reason: 'prompt: expected an Int32Array', subject: bus.names.subjects.rolloutResult('train'), raw, actor: 'learner-1' });

    const text = dead(['--run', run, '--nats', nats.url]);
    expect(await text.exited, text.stderr()).toBe(0);
    expect(text.stdout()).toContain('2 dead letters');
    expect(text.stdout()).toMatch(/r1 saturn\.\S+\.rollout\.req\.probe \(18 B\): malformed: not msgpack/);
    const json = dead(['--run', run, '--nats', nats.url, '--json']);
    expect(await json.exited).toBe(0);
    const rows = JSON.parse(json.stdout()) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.reason)).toEqual(['malformed: not msgpack', 'prompt: expected an Int32Array']);
    expect(rows[0]!.head).toBe(Buffer.from(raw).toString('hex'));

    const missing = dead(['--run', 'no-such-run', '--nats', nats.url]);
    expect(await missing.exited).not.toBe(0);
    expect(missing.stderr().trim().split('\n')).toHaveLength(1);
  });

  it('actor - started while its broker is down, waits for it (logging) and starts once it is up', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'saturn-wait-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ heartbeatSeconds: 0.5 }));
    const p = actors.start('controller', ['--nats', `nats://127.0.0.1:${port}`, '--run', 'late-broker', '--config', config]);
    await until(() => p.output().includes('NATS not reachable yet; waiting for it') || p.child.exitCode !== null, 60_000, 'a waiting log line');
    expect(p.child.exitCode, p.output()).toBeNull();
    const server = await NatsServer.start({ port, storeDir: join(dir, 'nats') });
    try {
      await until(() => p.output().includes('controller ready') || p.child.exitCode !== null, 60_000, 'controller ready');
      expect(p.child.exitCode, p.output()).toBeNull();
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      await server.dispose();
    }
  });

  it('actor - with --run and no --config, a run that does not exist is one line at once (its config is read from the run)', async () => {
    const p = actors.start('selector', ['--nats', nats.url, '--run', 'no-such-run']);
    expect(await p.exited).toBe(2);
    expect(p.output().trim().split('\n').filter((l) => l.startsWith('saturn actor:'))).toEqual([
      'saturn actor: run no-such-run: its state bucket saturn_no-such-run_state cannot be read (stream not found); is the run started, and is --run right?',
    ]);
  });
});
