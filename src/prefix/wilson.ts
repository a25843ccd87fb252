/**
 * The Wilson score interval for a binomial proportion: how sure we are of a prefix's conditioned
 * accuracy after k successes in n rollouts. Unlike the normal (Wald) interval it stays inside
 * [0, 1] and does not collapse to a point at k = 0 or k = n, which is where saturated questions
 * live.
 */
import { checkInteger, checkPositive } from './check.ts';

/** A Wilson interval and the estimate it surrounds. */
export interface WilsonInterval {
  /** Lower end, in [0, 1]; exactly 0 when there were no successes. */
  readonly low: number;
  /** Upper end, in [0, 1]; exactly 1 when every trial succeeded. */
  readonly high: number;
  /** Midpoint of the interval: p̂ shrunk towards 1/2 by z²/(2n) pseudo-observations each way. */
  readonly center: number;
  /** The observed success rate k/n; 0.5 when n = 0 (see {@link wilsonInterval}). */
  readonly pHat: number;
}

/**
 * Wilson score interval for `successes` out of `trials` at normal quantile `z` (1.96 ≈ 95 %).
 *
 * With no trials there is no evidence: the interval is all of [0, 1] and, to stay NaN-free, both
 * `pHat` and `center` are defined as 0.5 — the midpoint, which the interval shows means nothing.
 *
 * @example
 * wilsonInterval(5, 10);  // { low: 0.2366, high: 0.7634, center: 0.5, pHat: 0.5 } (rounded)
 * wilsonInterval(0, 10);  // { low: 0, high: 0.2775, ... }
 */
export function wilsonInterval(successes: number, trials: number, z = 1.96): WilsonInterval {
  const n = checkInteger('trials', trials, 0);
  const k = checkInteger('successes', successes, 0, n);
  checkPositive('z', z);
  if (n === 0) return { low: 0, high: 1, center: 0.5, pHat: 0.5 };

  const p = k / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // At k = 0 (k = n) the lower (upper) end is exactly 0 (1); pin it so rounding cannot leak
  // a 1e-17 that would later read as "τ is outside the interval".
  const low = k === 0 ? 0 : Math.max(0, center - half);
  const high = k === n ? 1 : Math.min(1, center + half);
  return { low, high, center, pHat: p };
}
