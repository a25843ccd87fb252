/**
 * A synthetic policy for checking and benchmarking prefix sweeps without a model: a seeded RNG,
 * conditioned-accuracy curves that fall with prefix length, and rollout outcomes drawn from them.
 * Test and bench tooling, deliberately not exported from the library's index.
 */
import { DEFAULT_FRACTIONS } from './cut.ts';
import type { SweepOracle } from './drive.ts';
import type { SweepRequest } from './sequential.ts';
import { PrefixArgumentError } from './errors.ts';

// The project's one seeded generator; re-exported so the prefix tests and bench keep one import.
export { mulberry32, type Rng } from '../tasks/rng.ts';
import type { Rng } from '../tasks/rng.ts';

/**
 * The true accuracy of continuing from each fraction of a failed completion, for one random
 * saturated question: a logistic fall from `high` (≈ 0.95–0.99, the unconditioned accuracy) to
 * `low` (≈ 0.02–0.08) around a random point of the trajectory. Narrow falls model a policy that
 * cannot recover once the error is in the prefix (a cliff at the error); wide ones a policy that
 * sometimes recovers.
 */
export function fallingCurve(rng: Rng, fractions: readonly number[] = DEFAULT_FRACTIONS): number[] {
  const high = 0.95 + 0.04 * rng();
  const low = 0.02 + 0.06 * rng();
  const center = 0.2 + 0.6 * rng();
  const width = 0.02 + 0.15 * rng();
  return fractions.map((f) => low + (high - low) / (1 + Math.exp((f - center) / width)));
}

/** For each accuracy, `length` pre-drawn rollout outcomes (1 correct, 0 wrong). */
export function bernoulliStreams(
  accuracies: readonly number[],
  length: number,
  rng: Rng,
): Uint8Array[] {
  return accuracies.map((p) => Uint8Array.from({ length }, () => (rng() < p ? 1 : 0)));
}

/**
 * An oracle that answers each batch with the next outcomes of the prefix's stream. Two sweeps
 * over the same streams see the same first rollouts (common random numbers), so differences
 * between them come from their stopping rules, not from sampling luck.
 */
export function streamOracle(
  streams: readonly Uint8Array[],
): SweepOracle & ((request: SweepRequest) => number) {
  const used = new Array<number>(streams.length).fill(0);
  return ({ index, samples }) => {
    const stream = streams[index];
    const left = stream.length - used[index];
    if (samples > left) {
      const expected = `at most ${left}, the outcomes left for prefix ${index}`;
      throw new PrefixArgumentError('samples', expected, samples);
    }
    let successes = 0;
    for (let i = used[index]; i < used[index] + samples; i++) successes += stream[i];
    used[index] += samples;
    return successes;
  };
}
