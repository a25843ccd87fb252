/**
 * Cutting a failed completion into prefix candidates. Each prefix is the first `length` tokens
 * of the failed rollout; the policy is later asked to continue from it, and the prefix whose
 * conditioned accuracy lands nearest τ is kept for training.
 */
import { checkInteger, checkOpenUnit } from './check.ts';
import { PrefixArgumentError } from './errors.ts';

/** The paper's cut points: 10 %, 20 %, …, 90 % of the failed completion's tokens. */
export const DEFAULT_FRACTIONS: readonly number[] = Object.freeze([
  0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
]);

/** One prefix of a failed completion. */
export interface Prefix {
  /** The requested share of the completion's tokens, in (0, 1). */
  readonly fraction: number;
  /** Number of tokens actually kept, in [1, n − 1]. */
  readonly length: number;
  /** The first `length` tokens; a copy, so it never aliases the caller's completion. */
  readonly tokens: Int32Array;
}

// Products such as 0.7 × 15 = 10.499999999999998 are meant as 10.5; the tolerance makes them round
// half up like their exact value would, instead of depending on binary representation.
const ROUNDING_SLACK = 1e-9;

/**
 * Cuts `completion` (token ids of a failed rollout, prompt excluded) into prefixes of
 * `length = max(1, round(fraction × n))` tokens, clipped to n − 1: a prefix is never empty and
 * never the whole failed completion (whose outcome is already known to be wrong).
 *
 * On short completions several fractions round to the same length; only the first (smallest)
 * fraction of each length is kept, so no prefix is sampled twice. A completion of fewer than 2
 * tokens has no proper non-empty prefix and yields `[]`.
 *
 * @param fractions strictly ascending, each in (0, 1); defaults to {@link DEFAULT_FRACTIONS}.
 * @example
 * cutPrefixes([5, 6, 7, 8], [0.25, 0.5]).map((p) => p.length); // [1, 2]
 */
export function cutPrefixes(
  completion: ArrayLike<number>,
  fractions: readonly number[] = DEFAULT_FRACTIONS,
): Prefix[] {
  checkFractions(fractions);
  const n = completion.length;
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    all[i] = checkInteger(`completion[${i}]`, completion[i], -(2 ** 31), 2 ** 31 - 1);
  }
  if (n < 2) return [];

  const prefixes: Prefix[] = [];
  for (const fraction of fractions) {
    const length = Math.min(n - 1, Math.max(1, Math.round(fraction * n + ROUNDING_SLACK)));
    // Fractions ascend, so lengths never decrease: a repeat can only be the previous length.
    if (prefixes.length > 0 && prefixes[prefixes.length - 1].length === length) continue;
    prefixes.push({ fraction, length, tokens: all.slice(0, length) });
  }
  return prefixes;
}

function checkFractions(fractions: readonly number[]): void {
  if (fractions.length === 0) {
    throw new PrefixArgumentError('fractions', 'at least one fraction', fractions);
  }
  fractions.forEach((f, i) => {
    checkOpenUnit(`fractions[${i}]`, f);
    if (i > 0 && !(f > fractions[i - 1])) {
      throw new PrefixArgumentError(
        `fractions[${i}]`,
        `a fraction above fractions[${i - 1}] (${fractions[i - 1]}): fractions ascend strictly`,
        f,
      );
    }
  });
}
