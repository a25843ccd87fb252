import { describe, expect, it } from 'vitest';
import { grandMean, pairedBootstrap, type SeedByQuestion } from '../../../src/evaluate/bootstrap.ts';
import { mulberry32 } from '../../../src/tasks/rng.ts';

/** The same resampling written as plainly as possible: draws in the same order, sums by loops. */
function plainBootstrap(t: SeedByQuestion, c: SeedByQuestion, resamples: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const out: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const tRows: number[] = [];
    for (let i = 0; i < t.length; i++) tRows.push(Math.floor(rng() * t.length));
    const cRows: number[] = [];
    for (let i = 0; i < c.length; i++) cRows.push(Math.floor(rng() * c.length));
    const n = t[0]!.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const q = Math.floor(rng() * n);
      let a = 0;
      for (const r of tRows) a += t[r]![q]!;
      let z = 0;
      for (const r of cRows) z += c[r]![q]!;
      total += a / tRows.length - z / cRows.length;
    }
    out.push(total / n);
  }
  return out.sort((x, y) => x - y);
}

const bernoulliRows = (seeds: number, questions: number, p: (q: number) => number, rng: () => number) =>
  Array.from({ length: seeds }, () => Array.from({ length: questions }, (_, q) => (rng() < p(q) ? 1 : 0)));

describe('paired bootstrap', () => {
  it('bootstrap - matches a plain reference loop draw for draw', () => {
    const rng = mulberry32(5);
    const t = bernoulliRows(3, 40, (q) => 0.5 + 0.01 * q, rng);
    const c = bernoulliRows(2, 40, (q) => 0.45 + 0.01 * q, rng);
    const d = pairedBootstrap(t, c, { resamples: 300, seed: 9 });
    const plain = plainBootstrap(t, c, 300, 9);
    const at = (p: number) => plain[Math.floor(p * 299)]! + (plain[Math.min(299, Math.floor(p * 299) + 1)]! - plain[Math.floor(p * 299)]!) * (p * 299 - Math.floor(p * 299));
    expect(d.ci95[0]).toBeCloseTo(at(0.025), 12);
    expect(d.ci95[1]).toBeCloseTo(at(0.975), 12);
    expect(d.mean).toBeCloseTo(grandMean(t) - grandMean(c), 12);
  });

  it('bootstrap - a constant paired difference has a zero-width interval at it', () => {
    const base = [[0.1, 0.9, 0.4, 0.7, 1, 0]];
    const treated = [base[0]!.map((x) => x + 0.05), base[0]!.map((x) => x + 0.05)];
    const d = pairedBootstrap(treated, base, { resamples: 200 });
    expect(d.mean).toBeCloseTo(0.05, 12);
    expect(d.ci95[0]).toBeCloseTo(0.05, 12);
    expect(d.ci95[1]).toBeCloseTo(0.05, 12);
  });

  it('bootstrap - pairing removes what the questions share', () => {
    // Questions differ a lot in difficulty, the treatment adds 0.1 to each: unpaired the spread
    // would be that of the difficulties; paired it is (almost) nothing.
    const rng = mulberry32(3);
    const difficulty = Array.from({ length: 200 }, () => rng());
    const d = pairedBootstrap([difficulty.map((x) => x + 0.1)], [difficulty], { resamples: 500 });
    expect(d.se).toBeLessThan(1e-9);
  });

  it('bootstrap - its standard error is the textbook one for independent questions', () => {
    // One seed each, Bernoulli(0.3) against Bernoulli(0.2), 4000 questions: se of the paired
    // difference is sqrt((0.21 + 0.16) / 4000) ≈ 0.0096.
    const rng = mulberry32(11);
    const n = 4000;
    const t = bernoulliRows(1, n, () => 0.3, rng);
    const c = bernoulliRows(1, n, () => 0.2, rng);
    const d = pairedBootstrap(t, c, { resamples: 1000, seed: 2 });
    const expected = Math.sqrt((0.3 * 0.7 + 0.2 * 0.8) / n);
    expect(d.se).toBeGreaterThan(expected * 0.9);
    expect(d.se).toBeLessThan(expected * 1.1);
    expect(d.ci95[1] - d.ci95[0]).toBeGreaterThan(2 * 1.96 * expected * 0.85);
    expect(d.ci95[1] - d.ci95[0]).toBeLessThan(2 * 1.96 * expected * 1.15);
    expect(d.ci95[0]).toBeLessThan(d.mean);
    expect(d.ci95[1]).toBeGreaterThan(d.mean);
  });

  it('bootstrap - seeds that disagree widen the interval', () => {
    const flat = Array.from({ length: 100 }, () => 0.5);
    const agree = pairedBootstrap([flat, flat, flat], [flat], { resamples: 400 });
    const disagree = pairedBootstrap([flat.map(() => 0.4), flat, flat.map(() => 0.6)], [flat], { resamples: 400 });
    expect(agree.ci95[1] - agree.ci95[0]).toBeCloseTo(0, 12);
    expect(disagree.ci95[1] - disagree.ci95[0]).toBeGreaterThan(0.1);
  });

  it('bootstrap - ragged or mismatched inputs are an error naming the side', () => {
    expect(() => pairedBootstrap([[1, 0], [1]], [[1, 0]])).toThrow(/treatment/);
    expect(() => pairedBootstrap([[1, 0]], [[1, 0, 1]])).toThrow(/baseline/);
    expect(() => pairedBootstrap([], [[1]])).toThrow(/treatment/);
  });
});
