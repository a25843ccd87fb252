import { AdamW, type AdamWConfig } from '../model/adamw.ts';
import type { Policy } from '../model/policy.ts';
import type { GrpoConfig } from './config.ts';

/**
 * An AdamW for GRPO: learning rate and grad-norm clip taken from the GRPO config (the clip lives
 * in the optimiser, and grpoUpdate refuses an optimiser whose clip disagrees), other settings
 * from `overrides` or the AdamW defaults.
 */
export function grpoOptimizer(policy: Policy, config: Pick<GrpoConfig, 'learningRate' | 'maxGradNorm'>, overrides: Partial<AdamWConfig> = {}): AdamW {
  return new AdamW(policy, { ...overrides, learningRate: config.learningRate, maxGradNorm: config.maxGradNorm });
}
