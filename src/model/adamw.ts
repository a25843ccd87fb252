import * as tf from '@tensorflow/tfjs-core';
import { check } from '../errors.ts';
import { paramSpecs } from './params.ts';
import type { Policy } from './policy.ts';

/** Adam with decoupled weight decay and global grad-norm clipping. */
export interface AdamWConfig {
  /** Peak learning rate (schedules scale it per step). */
  learningRate: number;
  /** First-moment decay; 0.9 as in the paper's config. */
  beta1: number;
  /** Second-moment decay; 0.99 as in the paper's config. */
  beta2: number;
  /** Added to √v̂ so tiny second moments do not explode the step. */
  epsilon: number;
  /** Decoupled decay of matrices (not of norms, biases or embeddings). */
  weightDecay: number;
  /** Gradients are scaled down so their global L2 norm is at most this; 0 disables clipping. */
  maxGradNorm: number;
}

export const DEFAULT_ADAMW: AdamWConfig = {
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.99,
  epsilon: 1e-8,
  weightDecay: 0.01,
  maxGradNorm: 1,
};

export function adamWConfig(overrides: Partial<AdamWConfig> = {}, prefix = 'optimizer'): AdamWConfig {
  const c = { ...DEFAULT_ADAMW, ...overrides };
  check(c.learningRate > 0, `${prefix}.learningRate`, 'a number > 0', c.learningRate);
  check(c.beta1 >= 0 && c.beta1 < 1, `${prefix}.beta1`, 'a number in [0, 1)', c.beta1);
  check(c.beta2 >= 0 && c.beta2 < 1, `${prefix}.beta2`, 'a number in [0, 1)', c.beta2);
  check(c.epsilon > 0, `${prefix}.epsilon`, 'a number > 0', c.epsilon);
  check(c.weightDecay >= 0, `${prefix}.weightDecay`, 'a number ≥ 0', c.weightDecay);
  check(c.maxGradNorm >= 0, `${prefix}.maxGradNorm`, 'a number ≥ 0', c.maxGradNorm);
  return c;
}

/** Optimiser state of one policy: moments per parameter and the step count (for bias correction). */
export class AdamW {
  readonly config: AdamWConfig;
  step = 0;
  readonly first = new Map<string, tf.Variable>();
  readonly second = new Map<string, tf.Variable>();
  private readonly decays = new Map<string, boolean>();

  constructor(readonly policy: Policy, config: Partial<AdamWConfig> = {}) {
    this.config = adamWConfig(config);
    for (const spec of paramSpecs(policy.config)) {
      // tidy: the zeros the variables start from would otherwise outlive them.
      tf.tidy(() => {
        this.first.set(spec.name, tf.variable(tf.zeros(spec.shape), false));
        this.second.set(spec.name, tf.variable(tf.zeros(spec.shape), false));
      });
      this.decays.set(spec.name, spec.decay);
    }
  }

  /**
   * Applies one update from gradients by parameter name (the caller disposes them) at
   * `learningRate` (default: the configured peak). Returns the global gradient norm before clipping.
   */
  apply(grads: Map<string, tf.Tensor>, learningRate = this.config.learningRate): number {
    const { beta1, beta2, epsilon, weightDecay, maxGradNorm } = this.config;
    const normTensor = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.mul(g, g))))));
    const gradNorm = normTensor.dataSync()[0]!; // the one read per step: the metric and the clip factor
    normTensor.dispose();
    const scale = maxGradNorm > 0 && gradNorm > maxGradNorm ? maxGradNorm / (gradNorm + 1e-6) : 1;
    this.step += 1;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, param] of this.policy.params) {
        const grad = grads.get(name);
        if (!grad) continue;
        const g = scale === 1 ? grad : tf.mul(grad, scale);
        const m = this.first.get(name)!;
        const v = this.second.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.mul(g, g), 1 - beta2)));
        let update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        if (this.decays.get(name) && weightDecay > 0) update = tf.add(update, tf.mul(param, weightDecay));
        param.assign(tf.sub(param, tf.mul(update, learningRate)));
      }
    });
    return gradNorm;
  }

  dispose(): void {
    for (const v of [...this.first.values(), ...this.second.values()]) v.dispose();
  }
}

/**
 * Gradients of `loss` with respect to every policy parameter, keyed by parameter name. The loss
 * value is returned as a number; the caller disposes the gradients.
 */
export function gradientsByName(policy: Policy, loss: () => tf.Scalar): { value: number; grads: Map<string, tf.Tensor> } {
  const vars = policy.variables();
  const names = new Map(vars.map((v, i) => [v.name, [...policy.params.keys()][i]!]));
  const { value, grads } = tf.variableGrads(loss, vars);
  const byName = new Map<string, tf.Tensor>();
  for (const [varName, grad] of Object.entries(grads)) byName.set(names.get(varName)!, grad);
  const lossValue = value.dataSync()[0]!;
  value.dispose();
  return { value: lossValue, grads: byName };
}
