/**
 * Bounds on how far a prefix's true conditioned accuracy can be from the target τ, given a
 * confidence interval for it. The sequential sweep compares these bounds to stop sampling
 * prefixes that cannot be the one closest to τ.
 */
import { checkOpenUnit, checkUnit } from './check.ts';
import { PrefixArgumentError } from './errors.ts';

/** Range of |p − τ| over every p in an interval. */
export interface DistanceBounds {
  /** Smallest |p − τ|: 0 when the interval contains τ, else the gap to its nearer end. */
  readonly lower: number;
  /** Largest |p − τ|: the distance from τ to the interval's farther end. */
  readonly upper: number;
}

/**
 * Bounds on |p − τ| for p anywhere in `[interval.low, interval.high]`.
 *
 * @example
 * distanceBounds({ low: 0.8, high: 1 }, 0.5);   // { lower: 0.3, upper: 0.5 }
 * distanceBounds({ low: 0.3, high: 0.6 }, 0.5); // { lower: 0,   upper: 0.2 }
 */
export function distanceBounds(
  interval: { readonly low: number; readonly high: number },
  tau: number,
): DistanceBounds {
  checkOpenUnit('tau', tau);
  const low = checkUnit('interval.low', interval.low);
  const high = checkUnit('interval.high', interval.high);
  if (low > high) throw new PrefixArgumentError('interval.high', `a number ≥ low (${low})`, high);
  const lower = tau < low ? low - tau : tau > high ? tau - high : 0;
  const upper = Math.max(Math.abs(low - tau), Math.abs(high - tau));
  return { lower, upper };
}
