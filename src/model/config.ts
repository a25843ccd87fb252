import { check } from '../errors.ts';

/** Shape and initialisation of the decoder-only policy. */
export interface PolicyConfig {
  /** Number of token ids (the task tokenizer's vocabSize). */
  vocabSize: number;
  /** Width of the residual stream. 128 is the smallest width a prototype saw learn the built-in task in minutes. */
  dModel: number;
  /** Transformer blocks. */
  nLayers: number;
  /** Attention heads; dModel must divide by it. */
  nHeads: number;
  /** Hidden width of each block's MLP (4·dModel by convention). */
  dFf: number;
  /** Longest sequence (prompt + prefix + completion) the learned position table covers. */
  contextLength: number;
  /** Seed of the weight initialisation: same seed and config → same weights. */
  seed: number;
}

/** Defaults sized for the built-in arithmetic task on a 2-core machine with the wasm backend. */
export const DEFAULT_POLICY_CONFIG: Omit<PolicyConfig, 'vocabSize'> = {
  dModel: 128,
  nLayers: 2,
  nHeads: 4,
  dFf: 512,
  contextLength: 96,
  seed: 1,
};

/** Builds a config from defaults and overrides and checks every field, naming the one that is off. */
export function policyConfig(overrides: Partial<PolicyConfig> & { vocabSize: number }): PolicyConfig {
  const c = { ...DEFAULT_POLICY_CONFIG, ...overrides };
  for (const field of ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'dFf', 'contextLength'] as const) {
    check(Number.isInteger(c[field]) && c[field] > 0, `model.${field}`, 'a positive integer', c[field]);
  }
  check(Number.isInteger(c.seed), 'model.seed', 'an integer', c.seed);
  check(c.dModel % c.nHeads === 0, 'model.nHeads', `a divisor of dModel (${c.dModel})`, c.nHeads);
  return c;
}

/** Differences between two configs as `field: a ≠ b` strings (empty when they match). */
export function configDifferences(expected: PolicyConfig, actual: PolicyConfig): string[] {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]) as Set<keyof PolicyConfig>;
  return [...keys]
    .filter((k) => k !== 'seed' && expected[k] !== actual[k])
    .map((k) => `model.${k}: ${expected[k]} ≠ ${actual[k]}`);
}

/** Parameter count and multiply-add count per token of a forward pass at sequence length t. */
export function policyCost(c: PolicyConfig, t: number): { parameters: number; forwardFlopsPerToken: number } {
  const d = c.dModel;
  const perLayer = 4 * d * d + 2 * d * c.dFf + 4 * d;
  const parameters = c.vocabSize * d + c.contextLength * d + c.nLayers * perLayer + 2 * d + d * c.vocabSize;
  // 2 FLOPs per multiply-add: embeddings (one-hot matmul), QKVO, MLP, attention scores and mix, head.
  const dense = c.vocabSize * d + c.nLayers * (4 * d * d + 2 * d * c.dFf) + d * c.vocabSize;
  const attention = c.nLayers * 2 * t * d;
  return { parameters, forwardFlopsPerToken: 2 * (dense + attention) };
}
