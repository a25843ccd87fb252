/**
 * Choosing the prefix to train from: the candidate whose measured conditioned accuracy is
 * closest to the target τ (0.5 maximises the reward variance p(1 − p), hence the GRPO signal).
 */
import { checkInteger, checkOpenUnit, checkUnit } from './check.ts';
import { PrefixArgumentError } from './errors.ts';

/** A prefix with the outcome of the rollouts that continued from it. */
export interface PrefixCandidate {
  /** Share of the failed completion's tokens the prefix keeps, in (0, 1). */
  readonly fraction: number;
  /** Number of tokens the prefix keeps; the shorter of two otherwise equal prefixes wins. */
  readonly length: number;
  /** Rollouts from this prefix that ended correct. */
  readonly successes: number;
  /** Rollouts from this prefix that were scored. */
  readonly trials: number;
}

/** The band of conditioned accuracies a pool entry is still considered informative in. */
export const DEFAULT_BAND: readonly [number, number] = Object.freeze([0.25, 0.75]) as readonly [
  number,
  number,
];

// Distances such as |0.7 − 0.5| and |0.3 − 0.5| differ in the last bit; they are the same tie.
const TIE_TOLERANCE = 1e-12;

/**
 * The candidate whose p̂ = successes / trials is closest to `tau`, or undefined when no candidate
 * has been tried. Candidates with 0 trials carry no estimate and are skipped. On a tie the
 * shorter prefix wins: it leaves more of the policy's own reasoning to learn; among equal
 * lengths, the earlier candidate.
 *
 * Returns the very object passed in, so callers keep whatever else they attached to it.
 *
 * @example
 * selectPrefix([
 *   { fraction: 0.3, length: 30, successes: 7, trials: 8 },
 *   { fraction: 0.5, length: 50, successes: 3, trials: 8 },
 * ]); // the 0.5 candidate: |3/8 − 0.5| = 0.125 < |7/8 − 0.5| = 0.375
 */
export function selectPrefix<C extends PrefixCandidate>(
  candidates: readonly C[],
  tau = 0.5,
): C | undefined {
  checkOpenUnit('tau', tau);
  let best: C | undefined;
  let bestDistance = Infinity;
  candidates.forEach((c, i) => {
    checkCandidate(c, i);
    if (c.trials === 0) return;
    const distance = Math.abs(c.successes / c.trials - tau);
    const closer = distance < bestDistance - TIE_TOLERANCE;
    const tied = Math.abs(distance - bestDistance) <= TIE_TOLERANCE;
    const tiedAndShorter = best !== undefined && tied && c.length < best.length;
    if (closer || tiedAndShorter) {
      best = c;
      bestDistance = distance;
    }
  });
  return best;
}

/**
 * True when `pHat` lies in `band` (ends included): the prefix still yields enough failures and
 * enough successes to be worth training from.
 *
 * @example
 * inBand(0.6);              // true
 * inBand(0.9, [0.1, 0.8]);  // false
 */
export function inBand(pHat: number, band: readonly [number, number] = DEFAULT_BAND): boolean {
  checkUnit('pHat', pHat);
  const [low, high] = band;
  checkUnit('band[0]', low);
  checkUnit('band[1]', high);
  if (low > high) throw new PrefixArgumentError('band[1]', `a number ≥ band[0] (${low})`, high);
  return pHat >= low && pHat <= high;
}

function checkCandidate(c: PrefixCandidate, i: number): void {
  checkInteger(`candidates[${i}].length`, c.length, 1);
  const trials = checkInteger(`candidates[${i}].trials`, c.trials, 0);
  checkInteger(`candidates[${i}].successes`, c.successes, 0, trials);
}
