import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL_RUN } from '../../helpers/actors.ts';
import { useCommand } from '../../helpers/command.ts';

// Machinery only: a real replicate (a real `saturn up` per arm × seed, real evaluations), tiny
// sizes, and no thresholds on what the runs learn.
describe('saturn replicate', () => {
  const replicate = useCommand('replicate');

  it('replicate - runs the arms, prints the report as JSON, and reuses finished runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saturn-replicate-'));
    const config = join(dir, 'config.json');
    // Smaller than SMALL_RUN: one rollout actor, short probes and sweeps at three cuts, a wide
    // band and a pool of one, so two steps come quickly; the eval is a dozen questions.
    const tiny = {
      ...SMALL_RUN,
      rollout: { ...SMALL_RUN.rollout, actors: 1 },
      selector: { probeQuestions: 16, probeSamples: 16, minCorrect: 15, fractions: [0.2, 0.5, 0.8], sweepSamples: 8, sweepBatch: 8, poolTarget: 2, band: [0.1, 0.9] },
      learner: { ...SMALL_RUN.learner, promptsPerStep: 2, groupSize: 4, minPool: 1 },
    };
    writeFileSync(config, JSON.stringify(tiny));
    const out = join(dir, 'out');
    const args = ['--arms', 'base,prefix', '--seeds', '1', '--steps', '2', '--config', config, '--out', out, '--eval-every', '1', '--eval-questions', '12', '--eval-samples', '2', '--curve-questions', '6', '--json'];

    const first = replicate(args);
    expect(await first.exited, first.stderr().slice(-3000)).toBe(0);
    const report = JSON.parse(first.stdout());
    for (const arm of ['base', 'prefix']) {
      const a = report.arms[arm];
      expect(typeof a.steps).toBe('number');
      expect(typeof a.rollouts).toBe('number');
      for (const split of ['easy', 'medium', 'misleading']) {
        const m = a.accuracy[split];
        expect(typeof m.before, `${arm} ${split}`).toBe('number');
        expect(typeof m.after).toBe('number');
        expect(m.ci95).toHaveLength(2);
        expect(m.ci95[0]).toBeLessThanOrEqual(m.ci95[1]);
      }
    }
    expect(report.arms.prefix.steps).toBe(2);
    expect(report.arms.prefix.rollouts).toBeGreaterThan(0);
    expect(report.arms.prefix.rolloutsByKind.train).toBeGreaterThan(0);
    expect(report.arms.base.accuracy.easy.ci95).toEqual([0, 0]);
    // Curves: the start, the version kept after step 1, the end.
    expect(report.arms.prefix.curve.map((p: { step: number }) => p.step)).toEqual([0, 1, 2]);
    for (const f of ['report.md', 'report.json', 'chart.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| `prefix` \| 1 \| 2\.0 \|/);
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const finalCkpt = join(out, 'runs', 'prefix-s1', 'final.ckpt');
    const trainedAt = statSync(finalCkpt).mtimeMs;

    // Second invocation: the finished run and its evaluations are reused, the report is the same.
    const second = replicate(args);
    expect(await second.exited, second.stderr().slice(-3000)).toBe(0);
    expect(second.stderr()).toMatch(/prefix-s1: reused/);
    expect(second.stderr()).not.toMatch(/evaluated/);
    expect(statSync(finalCkpt).mtimeMs).toBe(trainedAt);
    expect(JSON.parse(second.stdout()).arms).toEqual(report.arms);
    rmSync(dir, { recursive: true, force: true }); // runs, NATS stores and checkpoints: megabytes each
  }, 300_000);

  it('replicate - an unknown arm, or one whose config does not validate, fails up front naming it', async () => {
    const unknown = replicate(['--arms', 'base,nope', '--out', join(tmpdir(), 'saturn-replicate-never')]);
    expect(await unknown.exited).not.toBe(0);
    expect(unknown.stderr()).toMatch(/unknown arm "nope"/);
    // A base config whose task has no medium split: the medium arm cannot train on it.
    const dir = mkdtempSync(join(tmpdir(), 'saturn-replicate-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ task: { name: 'arithmetic', options: { splits: { easy: { operands: 3, digits: 2 } } } }, evaluation: { splits: ['easy'] } }));
    const invalid = replicate(['--arms', 'prefix,medium', '--config', config, '--out', join(dir, 'never')]);
    expect(await invalid.exited).not.toBe(0);
    expect(invalid.stderr()).toMatch(/arm medium: its config does not validate: learner\.split/);
    expect(existsSync(join(dir, 'never', 'runs'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
