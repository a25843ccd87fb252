/**
 * The learner's GRPO settings, defaults as in the paper's official (verl) config. One place holds
 * the defaults; {@link grpoConfig} checks every field and names the one that is off.
 */
import { check } from '../errors.ts';

/** Settings of one GRPO update. */
export interface GrpoConfig {
  /** Lower PPO clip: the ratio π/π_behaviour is kept ≥ 1 − clipLow where clipping can bind. */
  clipLow: number;
  /** Upper PPO clip (DAPO's clip-higher): ratio ≤ 1 + clipHigh; larger than clipLow so rare good tokens can grow. */
  clipHigh: number;
  /** β: weight of the k3 KL penalty to a frozen reference policy; 0 (the default) needs no reference. */
  klCoef: number;
  /** Optimisation passes over each batch of rollouts (reshuffled every pass). */
  epochs: number;
  /** Sequences per gradient step; the last minibatch of a pass may be smaller. */
  minibatchSize: number;
  /** Step size handed to the optimiser on every minibatch. */
  learningRate: number;
  /** Softmax temperature the learner scores log-probs at: the sampling temperature, so ratios compare like with like. */
  temperature: number;
  /** ε in A = (r − mean) / (std + ε). */
  advantageEpsilon: number;
  /** Divide advantages by the group's std (GRPO); false gives Dr.GRPO's r − mean. */
  scaleAdvantagesByStd: boolean;
  /** Global gradient-norm clip; applied by the optimiser, whose maxGradNorm must equal it (0 disables). */
  maxGradNorm: number;
}

/** The defaults: asymmetric clip 0.2/0.4, no KL, 2 epochs of minibatches of 64, lr 1e-4, grad-norm clip 1. */
export const DEFAULT_GRPO: Readonly<GrpoConfig> = Object.freeze({
  clipLow: 0.2,
  clipHigh: 0.4,
  klCoef: 0,
  epochs: 2,
  minibatchSize: 64,
  learningRate: 1e-4,
  temperature: 1,
  advantageEpsilon: 1e-6,
  scaleAdvantagesByStd: true,
  maxGradNorm: 1,
});

/** Builds a config from the defaults and `overrides`, checking every field (errors name `${prefix}.field`). */
export function grpoConfig(overrides: Partial<GrpoConfig> = {}, prefix = 'grpo'): GrpoConfig {
  const c: GrpoConfig = { ...DEFAULT_GRPO, ...overrides };
  const finite = (x: number) => typeof x === 'number' && Number.isFinite(x);
  check(finite(c.clipLow) && c.clipLow > 0 && c.clipLow < 1, `${prefix}.clipLow`, 'a number in (0, 1)', c.clipLow);
  check(finite(c.clipHigh) && c.clipHigh > 0, `${prefix}.clipHigh`, 'a finite number > 0', c.clipHigh);
  check(finite(c.klCoef) && c.klCoef >= 0, `${prefix}.klCoef`, 'a finite number ≥ 0', c.klCoef);
  check(Number.isInteger(c.epochs) && c.epochs > 0, `${prefix}.epochs`, 'a positive integer', c.epochs);
  check(Number.isInteger(c.minibatchSize) && c.minibatchSize > 0, `${prefix}.minibatchSize`, 'a positive integer', c.minibatchSize);
  check(finite(c.learningRate) && c.learningRate > 0, `${prefix}.learningRate`, 'a finite number > 0', c.learningRate);
  check(finite(c.temperature) && c.temperature > 0, `${prefix}.temperature`, 'a finite number > 0', c.temperature);
  check(finite(c.advantageEpsilon) && c.advantageEpsilon >= 0, `${prefix}.advantageEpsilon`, 'a finite number ≥ 0', c.advantageEpsilon);
  check(typeof c.scaleAdvantagesByStd === 'boolean', `${prefix}.scaleAdvantagesByStd`, 'a boolean', c.scaleAdvantagesByStd);
  check(finite(c.maxGradNorm) && c.maxGradNorm >= 0, `${prefix}.maxGradNorm`, 'a finite number ≥ 0', c.maxGradNorm);
  return c;
}
