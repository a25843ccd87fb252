import { describe, expect, it } from 'vitest';
import { DrawLag } from '../../../src/pool/lag.ts';
import { fresh, informativeGroups } from '../../../src/learner/batch.ts';
import { freshDrawn, freshOffset, freshQuestions, freshStream, planRound, planStep } from '../../../src/learner/plan.ts';
import { resolveTask } from '../../../src/tasks/index.ts';
import { jsonlTask } from '../../../src/tasks/jsonl.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';

const entry = (questionId: string, pHat = 0.5): PoolEntry => ({
  questionId, split: 'easy', prompt: '1+2+3=', answer: '6', prefix: [3, 4], prefixText: '00', fraction: 0.3,
  sourceFailure: '0', selection: { successes: 16, trials: 32 }, pHat, low: 0.3, high: 0.7, observations: 32,
  recent: [{ successes: 16, trials: 32, policyVersion: 0 }], policyVersion: 0, generation: 2, createdAt: 0, updatedAt: 0,
});
const options = { promptsPerStep: 8, groupSize: 16, originalShare: 0.25 };

describe('learner plan', () => {
  it('learner plan - a full pool gives distinct prefixes and the configured share of originals', () => {
    const pool = 'abcdefghij'.split('').map((q) => entry(q));
    const plan = planStep(pool, options, mulberry32(1));
    const prefixed = plan.filter((g) => g.source === 'prefix');
    expect(prefixed).toHaveLength(6);
    expect(new Set(prefixed.map((g) => g.groupId)).size).toBe(6);
    expect(prefixed.every((g) => g.prefix.length === 2 && g.groupId.endsWith('#2'))).toBe(true);
    const originals = plan.filter((g) => g.source === 'original');
    expect(originals).toHaveLength(2);
    expect(originals.every((g) => g.prefix.length === 0 && g.groupId.startsWith('original:'))).toBe(true);
    expect(plan.every((g) => g.n === 16)).toBe(true);
  });

  it('learner plan - a thin pool repeats its prefixes instead of turning their slots into originals', () => {
    const plan = planStep([entry('only')], options, mulberry32(2));
    expect(plan.filter((g) => g.source === 'prefix').map((g) => g.groupId)).toEqual(Array(6).fill('only#2'));
    expect(plan.filter((g) => g.source === 'original')).toHaveLength(2);
    expect(planStep([], options, mulberry32(2))).toEqual([]);
  });

  it('learner plan - the same step and pool give the same plan (a resumed learner re-sends the same requests)', () => {
    const pool = 'abcde'.split('').map((q, i) => entry(q, 0.2 + i * 0.15));
    expect(planStep(pool, options, mulberry32(7))).toEqual(planStep(pool, options, mulberry32(7)));
  });

  it('learner plan - with a measured lag, slots go to the entries predicted near τ when sampled', () => {
    // p̂ 0.35 will come back near 0.5; p̂ 0.7 is in band by its estimate but will come back at 0.85.
    const pool = [entry('low', 0.35), entry('high', 0.7)];
    const drawn = (shift: number) => planStep(pool, { ...options, originalShare: 0, aim: { shift } }, mulberry32(3)).map((g) => g.groupId);
    expect(new Set(drawn(0))).toEqual(new Set(['low#2', 'high#2']));
    expect(drawn(0.15)).toEqual(Array(8).fill('low#2'));
    expect(planStep(pool, { ...options, aim: { shift: 0.15 } }, mulberry32(3)).find((g) => g.source === 'prefix')?.drawnPHat).toBe(0.35);
  });

  it('draw lag - the mean gap between group reward and p̂ at draw over the last steps, clamped; NaN draws skipped', () => {
    const group = (correct: number, drawnPHat: number) => ({ rewards: [...Array(correct).fill(1), ...Array(8 - correct).fill(0)], drawnPHat });
    const lag = new DrawLag(2);
    expect(lag.value).toBe(0);
    lag.observe([group(6, 0.5), group(4, 0.5), group(8, Number.NaN)]); // gaps 0.25 and 0
    expect(lag.value).toBeCloseTo(0.125);
    lag.observe([group(8, 0.5)]); // gap 0.5
    expect(lag.value).toBeCloseTo(0.25); // (0.25 + 0 + 0.5) / 3, at the limit
    lag.observe([group(2, 0.5)]); // the first step leaves the window: (0.5 − 0.25) / 2
    expect(lag.value).toBeCloseTo(0.125);
    lag.observe([group(0, 0.9), group(0, 0.9)]);
    expect(lag.value).toBe(-0.25);
    const off = new DrawLag(0);
    off.observe([group(8, 0.1)]);
    expect(off.value).toBe(0);
  });
});

describe('learner batch', () => {
  it('learner batch - bounded staleness: a result more than maxStaleness versions behind is dropped and counted', () => {
    expect([fresh(10, 10, 2), fresh(8, 10, 2), fresh(7, 10, 2)]).toEqual([true, true, false]);
  });

  it('learner plan - the saturated source draws the pool bucket\'s questions uniformly, without prefix, one group id per question', () => {
    const task = resolveTask('arithmetic');
    const pool = 'abc'.split('').map((q) => entry(q));
    const plan = planRound('saturated', { pool, task, run: 'r' }, { ...options, split: 'easy', maxRounds: 8, step: 1, round: 0 }, mulberry32(4));
    expect(plan).toHaveLength(8);
    expect(plan.every((g) => g.source === 'original' && g.prefix.length === 0 && g.groupId === `original:${g.question.id}` && Number.isNaN(g.drawnPHat))).toBe(true);
    expect(new Set(plan.slice(0, 3).map((g) => g.question.id))).toEqual(new Set(['a', 'b', 'c'])); // each once before any repeats
    expect(planRound('saturated', { pool: [], task, run: 'r' }, { ...options, split: 'easy', maxRounds: 8, step: 1, round: 0 }, mulberry32(4))).toEqual([]);
  });

  it('learner plan - the split source takes each round its own slice of the learner\'s question stream', () => {
    const task = resolveTask('arithmetic');
    const o = { ...options, split: 'medium', maxRounds: 3 };
    const ids = (step: number, round: number) => planRound('split', { pool: [], task, run: 'r' }, { ...o, step, round }, mulberry32(1)).map((g) => g.question.id);
    expect(ids(1, 0)).toHaveLength(8);
    expect(ids(1, 0).every((id) => id.startsWith('medium:'))).toBe(true);
    expect(ids(2, 1)).toEqual(ids(2, 1)); // deterministic: a re-planned round asks the same
    const all = [1, 2].flatMap((step) => [0, 1, 2].flatMap((round) => ids(step, round)));
    expect(new Set(all).size).toBe(all.length); // steps and rounds never share questions
    expect(freshOffset({ step: 2, round: 1, promptsPerStep: 8, maxRounds: 3 })).toBe(32);
    // The summary's stream covers every question drawn by a step: step 2's last round ends at 48.
    const stream = freshStream('r', 'medium');
    expect(task.generate(stream.split, freshDrawn(o, 2), stream.seed).map((q) => q.id)).toEqual(all);
    expect(freshStream('r', 'easy').seed).not.toBe(freshStream('s', 'easy').seed);
  });

  it('learner plan - a finite split wraps around instead of running dry', () => {
    const task = jsonlTask([{ id: 'x', split: 'train', prompt: 'x?', answer: '1' }, { id: 'y', split: 'train', prompt: 'y?', answer: '2' }], 'tiny');
    const qs = freshQuestions(task, { split: 'train', seed: 5 }, 3, 4);
    expect(qs).toHaveLength(4);
    expect(new Set(qs.map((q) => q.id))).toEqual(new Set(['x', 'y']));
  });

  it('learner plan - the dynamic filter keeps the first promptsPerStep fresh groups whose rewards differ', () => {
    const g = (rewards: number[], policyVersion = 5) => ({ result: { policyVersion, samples: rewards.map((reward) => ({ reward })) } }) as unknown as Parameters<typeof informativeGroups>[0][number];
    const groups = [g([1, 1, 1]), g([1, 0, 1]), g([0, 1], 1), g([0, 0]), g([0, 1]), g([1, 0])];
    const f = informativeGroups(groups, { version: 5, maxStaleness: 2, want: 2 });
    expect(f.kept).toEqual([groups[1], groups[4]]);
    expect(f).toMatchObject({ uninformative: 2, surplus: 1, stale: 1, enough: true });
    expect(informativeGroups(groups, { version: 5, maxStaleness: 2, want: 4 }).enough).toBe(false);
  });
});
