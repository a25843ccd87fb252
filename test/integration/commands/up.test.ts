/**
 * `saturn up` from outside, as a user runs it: a config that contradicts itself (or an unusable
 * backend, checkpoint or flag) is refused in one line before any broker or actor starts, and the
 * broker of a run that does start admits only clients holding the run's token.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BusConnectError } from '../../../src/bus/errors.ts';
import { connectBus } from '../../../src/bus/connect.ts';
import { runNames } from '../../../src/protocol/subjects.ts';
import { Kvm } from '@nats-io/kv';
import { configText, CONTRADICTIONS } from '../../helpers/contradictions.ts';
import { useCommand } from '../../helpers/command.ts';
import { until } from '../../helpers/wait.ts';

const up = useCommand('up');
const dir = mkdtempSync(join(tmpdir(), 'saturn-up-'));

/** Runs `saturn up args` to its end; the run directory it was given must stay empty. */
async function refused(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const runs = mkdtempSync(join(dir, 'runs-'));
  const p = up([...args, '--dir', runs, '--skip-eval']);
  const code = await p.exited;
  // No run directory means no embedded broker store and no actor log: nothing was started.
  expect(readdirSync(runs)).toEqual([]);
  return { code, lines: p.stderr().split('\n').filter(Boolean) };
}

describe('saturn up', () => {
  it('saturn up - each contradictory config is refused before NATS starts: exit ≠ 0, one stderr line naming the field', async () => {
    const outcomes = await Promise.all(
      CONTRADICTIONS.map(async ([what, overrides, field], i) => {
        const file = join(dir, `bad-${i}.json`);
        writeFileSync(file, configText(overrides));
        return { what, field, ...(await refused(['--config', file])) };
      }),
    );
    for (const o of outcomes) {
      expect(o.code, o.what).not.toBe(0);
      expect(o.code, o.what).not.toBeNull();
      expect(o.lines, o.what).toHaveLength(1);
      expect(o.lines[0], o.what).toMatch(new RegExp(`^saturn up: ${o.field.replace(/[.[\]]/g, '\\$&')}: (expected|unknown)`));
    }
  });

  it('saturn up - an unusable backend, a corrupt checkpoint or a negative --max-steps ends the command with one line', async () => {
    const corrupt = join(dir, 'corrupt.ckpt');
    writeFileSync(corrupt, 'not a checkpoint at all');
    const corruptConfig = join(dir, 'corrupt.json');
    writeFileSync(corruptConfig, JSON.stringify({ checkpoint: corrupt }));
    const [gpu, ckpt, steps] = await Promise.all([refused(['--backend', 'gpu']), refused(['--config', corruptConfig]), refused(['--max-steps', '-1'])]);
    for (const r of [gpu, ckpt, steps]) {
      expect(r.code).not.toBe(0);
      expect(r.lines).toHaveLength(1);
    }
    expect(gpu.lines[0]).toMatch(/--backend: unknown backend "gpu"/);
    expect(ckpt.lines[0]).toContain(corrupt);
    expect(steps.lines[0]).toBe('saturn up: --max-steps: expected an integer ≥ 1, got "-1"');
  });

  it('saturn up - with no auth flags its broker refuses a client without the run token, and the hints carry it', async () => {
    const runs = mkdtempSync(join(dir, 'live-'));
    const config = join(dir, 'small.json');
    writeFileSync(config, JSON.stringify({ rollout: { actors: 1 } }));
    const p = up(['--config', config, '--dir', runs, '--skip-eval', '--max-steps', '1', '--run', 'auth-check']);
    try {
      await until(() => /add a rollout actor: /.test(p.stderr()) || p.child.exitCode !== null, 60_000, 'the join hints');
      const hint = /add a rollout actor: SATURN_NATS_TOKEN=(\S+) .*actor rollout --run auth-check --nats (\S+)/.exec(p.stderr());
      expect(hint, p.stderr()).not.toBeNull();
      const [, token, url] = hint!;
      // The token is nowhere on an actor's command line (ps shows argv to every local user).
      expect(p.stderr()).not.toContain(`--token`);
      for (const secret of [undefined, `${token!.slice(0, -4)}abcd`]) {
        const attempt = connectBus({ servers: url!, token: secret, maxReconnectAttempts: 0 });
        await expect(attempt).rejects.toThrow(BusConnectError);
        await expect(attempt).rejects.toThrow(/Authorization Violation/);
        await expect(attempt).rejects.toMatchObject({ retryable: false });
      }
      // monitor, dashboard and export find the live broker and its token here, readable by this user only.
      const live = join(runs, 'auth-check', 'live.json');
      expect(statSync(live).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(live, 'utf8'))).toMatchObject({ url, token });
      const nc = await connectBus({ servers: url!, token, maxReconnectAttempts: 0 });
      // With the token, the run's task card is there for actors written from docs/protocol.md.
      const state = await new Kvm(nc).open(runNames('auth-check').buckets.state);
      const card = JSON.parse(new TextDecoder().decode((await state.get('task'))!.value));
      expect(card).toMatchObject({ name: 'arithmetic', bos: 1, eos: 2 });
      await nc.close();
    } finally {
      p.child.kill('SIGINT');
      await p.exited;
    }
    expect(existsSync(join(runs, 'auth-check'))).toBe(true);
  });
});
