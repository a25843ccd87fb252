import { DEFAULT_BAND, inBand } from '../prefix/index.ts';
import { predictedPHat, type PoolEntry } from './entry.ts';

/**
 * Draws `count` entries for the next training step, favouring the informative ones: weight
 * p(1 − p) + floor inside the τ band, floor alone outside it, where p is the predicted accuracy
 * (p̂ + shift). An entry the policy has learnt past (p drifting to 1) is drawn ~10× less than
 * one at 0.5, but never starved: it still needs observations before the controller can see it
 * drifted and have it rebuilt. Without replacement while entries last.
 */
export function drawEntries(entries: PoolEntry[], count: number, rng: () => number, band: readonly [number, number] = DEFAULT_BAND, shift = 0, floor = 0.02): PoolEntry[] {
  const left = [...entries];
  const drawn: PoolEntry[] = [];
  while (drawn.length < count && left.length) {
    const weights = left.map((e) => {
      const p = predictedPHat(e, shift);
      return (inBand(p, band) ? p * (1 - p) : 0) + floor;
    });
    let u = rng() * weights.reduce((a, b) => a + b, 0);
    let i = 0;
    while (i < left.length - 1 && (u -= weights[i]!) > 0) i++;
    drawn.push(left.splice(i, 1)[0]!);
  }
  return drawn;
}

/**
 * Exactly `count` entries (none from an empty pool), taken from the entries predicted in band
 * while there are any: a second group of a prefix at 0.5 carries more signal than a first group
 * of one the policy has learnt past (all-correct, zero advantage). Rounds of
 * {@link drawEntries}, so every candidate is drawn once before any is drawn twice. Entries out
 * of band are left to the controller's drift refresh, which already has their evidence.
 */
export function drawSlots(entries: PoolEntry[], count: number, rng: () => number, band: readonly [number, number] = DEFAULT_BAND, shift = 0): PoolEntry[] {
  const inBandEntries = entries.filter((e) => inBand(predictedPHat(e, shift), band));
  const candidates = inBandEntries.length ? inBandEntries : entries;
  const drawn: PoolEntry[] = [];
  while (candidates.length && drawn.length < count) drawn.push(...drawEntries(candidates, count - drawn.length, rng, band, shift));
  return drawn;
}
