import { describe, expect, it } from 'vitest';
import { createSweep, nextRequests, runSweep, sweepRollouts, sweepSelection } from '../../../src/prefix/index.ts';
import { bernoulliStreams, fallingCurve, mulberry32, streamOracle } from '../../../src/prefix/simulate.ts';

const nine = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((length) => ({ fraction: length / 100, length }));
// Deterministic oracle: exactly round(p · samples) successes for each batch.
const exact = (curve: number[]) => (r: { index: number; samples: number }) => Math.round(curve[r.index]! * r.samples);

describe('monotone sweep', () => {
  it('monotone sweep - asks for one untried prefix at a time, the middle one first', () => {
    const s = createSweep({ candidates: nine, monotone: true, z: 1 });
    expect(nextRequests(s)).toEqual([{ index: 4, samples: 8 }]);
  });

  it('monotone sweep - a cliff with no prefix in band is settled in about log2 K batches', () => {
    const cliff = [0.98, 0.98, 0.97, 0.97, 0.96, 0.04, 0.03, 0.03, 0.02];
    const plain = runSweep(createSweep({ candidates: nine, tau: 0.4, z: 1, band: [0.25, 0.75] }), exact(cliff));
    const bisected = runSweep(createSweep({ candidates: nine, tau: 0.4, z: 1, band: [0.25, 0.75], monotone: true }), exact(cliff));
    expect(sweepRollouts(plain)).toBe(72); // one batch per cut
    expect(sweepRollouts(bisected)).toBeLessThanOrEqual(32); // ≤ 4 batches
    expect(bisected.candidates.filter((c) => c.trials > 0).length).toBeLessThanOrEqual(4);
  });

  it('monotone sweep - on a gradual curve it picks the prefix the full sweep picks', () => {
    const gradual = [0.97, 0.92, 0.85, 0.72, 0.55, 0.41, 0.3, 0.15, 0.05];
    const o = { candidates: nine, tau: 0.5, z: 1, band: [0.25, 0.75] as [number, number] };
    const plain = runSweep(createSweep(o), exact(gradual));
    const bisected = runSweep(createSweep({ ...o, monotone: true }), exact(gradual));
    expect(sweepSelection(bisected)?.index).toBe(sweepSelection(plain)?.index);
    expect(sweepRollouts(bisected)).toBeLessThan(sweepRollouts(plain));
  });

  it('monotone sweep - over simulated failure curves it costs less for a pick as close to τ', () => {
    const rng = mulberry32(7);
    let plainCost = 0;
    let bisectCost = 0;
    let plainDistance = 0;
    let bisectDistance = 0;
    for (let q = 0; q < 300; q++) {
      const curve = fallingCurve(rng);
      const streams = bernoulliStreams(curve, 32, rng);
      const o = { candidates: nine, tau: 0.4, z: 1, band: [0.25, 0.75] as [number, number] };
      const plain = runSweep(createSweep(o), streamOracle(streams));
      const bisected = runSweep(createSweep({ ...o, monotone: true }), streamOracle(streams));
      plainCost += sweepRollouts(plain);
      bisectCost += sweepRollouts(bisected);
      plainDistance += Math.abs(curve[sweepSelection(plain)!.index]! - 0.4);
      bisectDistance += Math.abs(curve[sweepSelection(bisected)!.index]! - 0.4);
    }
    expect(bisectCost).toBeLessThan(0.8 * plainCost);
    expect(bisectDistance / 300).toBeLessThan(plainDistance / 300 + 0.01);
  });

  it('monotone sweep - is ignored by the fixed sweep', () => {
    const s = createSweep({ candidates: nine, monotone: true, sequential: false });
    expect(nextRequests(s)).toHaveLength(9);
  });
});
