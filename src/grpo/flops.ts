/**
 * Model FLOPs of the learner, so a benchmark can report achieved GFLOP/s. Counts the dense
 * products and attention of the transformer (policyCost), at the padded shapes actually run;
 * element-wise work (softmax, norms, the loss itself) is not counted.
 */
import { policyCost, type PolicyConfig } from '../model/config.ts';

/** FLOPs of one forward pass scoring `rows` sequences of `width` tokens (width − 1 predicted positions). */
export function scoringFlops(config: PolicyConfig, rows: number, width: number): number {
  const positions = width - 1;
  return rows * positions * policyCost(config, positions).forwardFlopsPerToken;
}

/** The shape of one minibatch as run. */
export interface MinibatchShape {
  rows: number;
  width: number;
}

/**
 * FLOPs of a GRPO update over these minibatches: forward + backward ≈ 3 × forward for the policy,
 * plus one forward of the reference policy per minibatch when a KL penalty is on.
 */
export function grpoUpdateFlops(config: PolicyConfig, minibatches: readonly MinibatchShape[], options: { reference?: boolean } = {}): number {
  const perForward = options.reference ? 4 : 3;
  return minibatches.reduce((sum, m) => sum + perForward * scoringFlops(config, m.rows, m.width), 0);
}
