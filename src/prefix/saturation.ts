/**
 * The saturation test: which probed questions are worth cutting into failure prefixes. A question
 * is saturated when the policy almost always solves it (GRPO groups are all-correct, so its
 * gradient vanishes) yet failed at least once, leaving a failed trajectory to cut. The paper uses
 * 31 of 32 correct.
 */
import { checkInteger } from './check.ts';
import { PrefixArgumentError } from './errors.ts';

/** How many correct rollouts make a question saturated unless told otherwise (the paper's 31). */
export const DEFAULT_MIN_CORRECT = 31;

/** Options of the saturation test; every field may be left out. */
export interface SaturationOptions {
  /** Fewest correct rollouts (reward 1) for a question to count as saturated. Default 31. */
  minCorrect?: number;
  /**
   * Number of probe rollouts per question. When given, every reward vector must have exactly
   * this length, which catches probes that lost rollouts; when left out, any length is accepted.
   */
  samples?: number;
}

/** A validated saturation test. */
export interface SaturationConfig {
  /** Fewest correct rollouts for a question to count as saturated; a positive integer. */
  readonly minCorrect: number;
  /** Required number of rewards per question, or undefined to accept any length. */
  readonly samples: number | undefined;
}

/**
 * Validates saturation options and fills in defaults.
 *
 * `minCorrect` must be below `samples`: a saturated question needs at least one failure, so
 * `minCorrect = samples` could never be met.
 *
 * @example
 * saturationConfig();                               // { minCorrect: 31, samples: undefined }
 * saturationConfig({ minCorrect: 15, samples: 16 }); // ok
 * saturationConfig({ minCorrect: 16, samples: 16 }); // throws, naming minCorrect
 */
export function saturationConfig(options: SaturationOptions = {}): SaturationConfig {
  const minCorrect = checkInteger('minCorrect', options.minCorrect ?? DEFAULT_MIN_CORRECT, 1);
  const samples =
    options.samples === undefined ? undefined : checkInteger('samples', options.samples, 2);
  if (samples !== undefined && minCorrect >= samples) {
    throw new PrefixArgumentError(
      'minCorrect',
      `an integer below samples (${samples}), since a saturated question needs one failure`,
      minCorrect,
    );
  }
  return { minCorrect, samples };
}

/**
 * True when at least `minCorrect` rewards are 1 and at least one is 0: the policy nearly always
 * solves the question, and a failed trajectory exists to cut into prefixes. All-correct is not
 * saturated in this sense: there is nothing to cut.
 *
 * Rewards must be binary (the verifier's 0/1). A vector shorter than `minCorrect` is simply not
 * saturated, unless `samples` is given, in which case a length other than `samples` throws.
 *
 * @example
 * isSaturated([...Array(31).fill(1), 0]); // true  (31 of 32)
 * isSaturated(Array(32).fill(1));         // false (no failure to cut)
 * isSaturated([1, 1, 1, 0], { minCorrect: 3, samples: 4 }); // true
 */
export function isSaturated(rewards: ArrayLike<number>, options?: SaturationOptions): boolean {
  const { minCorrect, samples } = saturationConfig(options);
  if (samples !== undefined && rewards.length !== samples) {
    throw new PrefixArgumentError('samples', `the number of rewards (${rewards.length})`, samples);
  }
  let correct = 0;
  let failed = 0;
  for (let i = 0; i < rewards.length; i++) {
    const r = rewards[i];
    if (r === 1) correct++;
    else if (r === 0) failed++;
    else throw new PrefixArgumentError(`rewards[${i}]`, '0 or 1', r);
  }
  return correct >= minCorrect && failed >= 1;
}
