/**
 * Group-relative advantages, GRPO's only critic: every rollout of a prompt is scored against the
 * other rollouts of the same prompt, so a group whose rewards are all equal (all right on a
 * saturated question, or all wrong) carries no learning signal at all — the problem
 * failure-prefix conditioning exists to fix.
 */
import { check } from '../errors.ts';

/** Reward statistics of one group of rollouts of the same prompt. */
export interface GroupStats {
  /** Mean reward: for 0/1 rewards, the group's accuracy p̂. */
  mean: number;
  /** Sample (unbiased, n − 1) standard deviation; 0 for a group of one or of equal rewards. */
  std: number;
  /** True when every reward equals the first: the group's advantages are all zero. */
  zeroVariance: boolean;
}

/** How rewards become advantages. */
export interface AdvantageOptions {
  /** Added to the std before dividing, so near-uniform groups cannot blow up (default 1e-6). */
  epsilon?: number;
  /**
   * Divide by std + ε (GRPO, default true). False gives Dr.GRPO's (r − mean): no up-weighting of
   * nearly uniform groups, whose std is small.
   */
  scaleByStd?: boolean;
}

/**
 * Mean, sample std and zero-variance flag of one group's rewards. Throws naming `rewards` when
 * the group is empty or a reward is not finite.
 */
export function groupStats(rewards: ArrayLike<number>): GroupStats {
  const n = rewards.length;
  check(n > 0, 'rewards', 'at least one reward', n);
  let sum = 0;
  let zeroVariance = true;
  for (let i = 0; i < n; i++) {
    const r = rewards[i]!;
    check(Number.isFinite(r), `rewards[${i}]`, 'a finite number', r);
    sum += r;
    if (r !== rewards[0]) zeroVariance = false;
  }
  // Equal rewards report their value exactly: sum / n can be off by rounding (0.1 · 3 / 3).
  if (zeroVariance) return { mean: rewards[0]!, std: 0, zeroVariance };
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (rewards[i]! - mean) * (rewards[i]! - mean);
  return { mean, std: Math.sqrt(squares / (n - 1)), zeroVariance };
}

/**
 * Advantages A = (r − mean) / (std + ε) of one group, with the sample (n − 1) std as verl and TRL
 * compute it (torch.std's default), or A = r − mean with `scaleByStd: false`. A group of one, or
 * of equal rewards, gets exact zeros.
 *
 * @example
 * groupAdvantages([1, 0, 0, 0]); // ≈ [1.5, −0.5, −0.5, −0.5]  (mean 0.25, sample std 0.5)
 * groupAdvantages([1, 1, 1]);    // [0, 0, 0]
 */
export function groupAdvantages(rewards: ArrayLike<number>, options: AdvantageOptions = {}): Float64Array {
  const { epsilon = 1e-6, scaleByStd = true } = options;
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', 'a finite number ≥ 0', epsilon);
  const { mean, std, zeroVariance } = groupStats(rewards);
  const out = new Float64Array(rewards.length);
  if (zeroVariance) return out;
  const scale = scaleByStd ? 1 / (std + epsilon) : 1;
  for (let i = 0; i < out.length; i++) out[i] = (rewards[i]! - mean) * scale;
  return out;
}
