import { describe, expect, it } from 'vitest';
import { ARMS } from '../../../src/replicate/arms.ts';
import { compareArms, type EvalRecord, type RunRecord } from '../../../src/replicate/aggregate.ts';
import { chartSvg } from '../../../src/replicate/chart.ts';
import { reportMarkdown } from '../../../src/replicate/report.ts';

const arm = (name: string) => ARMS.find((a) => a.name === name)!;
const ids = (split: string) => Array.from({ length: 8 }, (_, i) => `${split}:q${i}`);

/** An evaluation where every question scores `plain` (and `misleading` from a misleading start). */
function record(plain: number, misleading: number, overrides: Record<string, number> = {}): EvalRecord {
  const split = (name: string) => ({
    questions: 8,
    samplesPerQuestion: 4,
    accuracy: plain,
    misleadingAccuracy: misleading,
    meanResponseTokens: 30,
    perQuestion: { ids: ids(name), plain: ids(name).map((id) => overrides[id] ?? plain), misleading: ids(name).map(() => misleading), tokens: ids(name).map(() => 30) },
  });
  return { splits: { easy: split('easy'), medium: split('medium') } };
}

const run = (seed: number, final: EvalRecord): RunRecord => ({ seed, runId: `x-s${seed}`, steps: 30, rollouts: 1000, rolloutsByKind: { probe: 600, train: 400 }, final, curve: [{ step: 10, rollouts: 300, eval: final }] });

describe('replicate aggregation', () => {
  it('aggregate - before → after against base, the method against the best baseline, on questions no run trained on', () => {
    const base = record(0.9, 0.1);
    const c = compareArms({
      arms: [
        { arm: arm('base'), runs: [] },
        { arm: arm('saturated-pool'), runs: [run(1, record(0.95, 0.2)), run(2, record(0.95, 0.2))] },
        // A question the method "solved" was trained on: left out, it must not count.
        { arm: arm('prefix'), runs: [run(1, record(0.92, 0.3, { 'easy:q0': 1 }))] },
        { arm: arm('prefix-noharvest'), runs: [run(1, record(0.91, 0.25))] },
      ],
      base,
      excluded: new Set(['easy:q0']),
      curveQuestions: 4,
      bootstrap: { resamples: 200 },
    });
    expect(c.questions.easy).toEqual({ evaluated: 8, excluded: 1, compared: 7 });
    const prefix = c.arms.prefix!;
    expect(prefix.accuracy.easy!.before).toBeCloseTo(0.9);
    expect(prefix.accuracy.easy!.after).toBeCloseTo(0.92);
    expect(prefix.accuracy.easy!.ci95[0]).toBeCloseTo(0.02);
    expect(prefix.accuracy.misleading!.vsBest).toMatchObject({ arm: 'saturated-pool' });
    expect(prefix.accuracy.misleading!.vsBest!.diff).toBeCloseTo(0.1);
    expect(prefix.accuracy.easy!.vsBest!.diff).toBeCloseTo(-0.03);
    expect(c.arms['saturated-pool']!.accuracy.easy!.vsBest).toBeUndefined();
    // An ablation is also put against the default method arm; the default and baselines are not.
    expect(c.arms['prefix-noharvest']!.accuracy.misleading!.vsDefault).toMatchObject({ arm: 'prefix' });
    expect(c.arms['prefix-noharvest']!.accuracy.misleading!.vsDefault!.diff).toBeCloseTo(-0.05);
    expect(prefix.accuracy.easy!.vsDefault).toBeUndefined();
    expect(c.arms['saturated-pool']!.accuracy.easy!.vsDefault).toBeUndefined();
    expect(c.arms.base!.accuracy.easy!.ci95).toEqual([0, 0]);
    expect(c.arms['saturated-pool']!.rollouts).toBe(1000);
    expect(prefix.curve.map((p) => [p.step, p.rollouts])).toEqual([[0, 0], [10, 300], [30, 1000]]);
    expect(prefix.curve[2]!.values.misleading).toBeCloseTo(0.3);

    const md = reportMarkdown(c, { command: 'saturn replicate', steps: 30, eval: { questions: 8, samples: 4, seed: 2, curveQuestions: 4 } });
    expect(md).toMatch(/\| `prefix` \| 1 \| 30\.0 \| 90\.0 → \*\*92\.0\*\*<br>\+2\.0 \[\+2\.0, \+2\.0\]<br>vs saturated-pool: −3\.0/);
    expect(md).toMatch(/easy: 8 evaluated, 1 left out/);
    expect(md).toMatch(/\| `prefix-noharvest` \| 1 \| 30\.0 \| 90\.0 → \*\*91\.0\*\*<br>\+1\.0 \[\+1\.0, \+1\.0\]<br>vs saturated-pool: −4\.0 \[[^\]]*\]<br>vs prefix: −1\.0/);
    const svg = chartSvg(c);
    expect(svg).toMatch(/^<svg /);
    expect(svg).not.toMatch(/NaN|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
