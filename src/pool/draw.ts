import { DEFAULT_BAND, inBand } from '../prefix/index.ts';
import { predictedPHat, type PoolEntry } from './entry.ts';

/** Where draws aim: entries whose predicted accuracy (p̂ + `shift`) is near `tau`, inside `band`. */
export interface DrawAim {
  band: readonly [number, number];
  /** The lag added to p̂ (see `DrawLag`). */
  shift: number;
  tau: number;
  /** Width of the preference around τ, in accuracy. */
  width: number;
}

/**
 * 0.1: a group's reward std falls off fast away from τ once the prediction's own error (sd ≈ 0.18
 * in default runs) is added. In six default runs, groups predicted at 0.45–0.55 came back with std
 * 0.45–0.47, at 0.65–0.75 with 0.34–0.38. The weight p(1 − p) used before was nearly flat there
 * (0.25 against 0.21), and a third of the draws landed at 0.65–0.75, where the pool's trained
 * entries collect.
 */
export const DEFAULT_AIM: DrawAim = Object.freeze({ band: DEFAULT_BAND, shift: 0, tau: 0.5, width: 0.1 });

/** An entry's draw weight: a Gaussian in predicted accuracy around τ inside the band, plus `floor`. */
export function drawWeight(entry: PoolEntry, aim: DrawAim, floor = 0.02): number {
  const p = predictedPHat(entry, aim.shift);
  return (inBand(p, aim.band) ? Math.exp(-0.5 * ((p - aim.tau) / aim.width) ** 2) : 0) + floor;
}

/**
 * Draws `count` entries for the next training step, favouring the informative ones by
 * {@link drawWeight}. An entry the policy has learnt past (p drifting to 1) is drawn ~50× less
 * than one at τ, but never starved: it still needs observations before the controller can see it
 * drifted and have it rebuilt. Without replacement while entries last.
 */
export function drawEntries(entries: PoolEntry[], count: number, rng: () => number, aim: DrawAim = DEFAULT_AIM): PoolEntry[] {
  const left = [...entries];
  const drawn: PoolEntry[] = [];
  while (drawn.length < count && left.length) {
    const weights = left.map((e) => drawWeight(e, aim));
    let u = rng() * weights.reduce((a, b) => a + b, 0);
    let i = 0;
    while (i < left.length - 1 && (u -= weights[i]!) > 0) i++;
    drawn.push(left.splice(i, 1)[0]!);
  }
  return drawn;
}

/**
 * Exactly `count` entries (none from an empty pool), taken from the entries predicted in band
 * while there are any, and of those only the ones worth a group: weight at least a quarter of
 * the best's (within ≈ 0.17 of τ when the best is at τ). A second group of a prefix predicted at
 * τ carries more than a first group of one predicted at 0.7 (groups there came back with std
 * 0.34–0.38, against 0.45–0.47 near τ), so while few entries are near τ they are repeated rather
 * than the slots going to the band's edge. Rounds of {@link drawEntries}: every entry worth a
 * group is drawn once before any is drawn twice. Entries out of band are left to the
 * controller's drift refresh, which already has their evidence.
 */
export function drawSlots(entries: PoolEntry[], count: number, rng: () => number, aim: DrawAim = DEFAULT_AIM): PoolEntry[] {
  const inBandEntries = entries.filter((e) => inBand(predictedPHat(e, aim.shift), aim.band));
  const candidates = inBandEntries.length ? inBandEntries : entries;
  const weights = candidates.map((e) => drawWeight(e, aim));
  const best = Math.max(...weights);
  const worth = candidates.filter((_, i) => weights[i]! >= best / 4);
  const drawn: PoolEntry[] = [];
  while (worth.length && drawn.length < count) drawn.push(...drawEntries(worth, count - drawn.length, rng, aim));
  return drawn;
}

/** `count` of `entries` uniformly, every one once before any twice (none from an empty pool). */
export function drawUniform<T>(entries: readonly T[], count: number, rng: () => number): T[] {
  const drawn: T[] = [];
  let left: T[] = [];
  while (entries.length && drawn.length < count) {
    if (!left.length) left = [...entries];
    drawn.push(left.splice(Math.floor(rng() * left.length), 1)[0]!);
  }
  return drawn;
}
