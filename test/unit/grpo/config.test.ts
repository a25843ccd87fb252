import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { DEFAULT_GRPO, grpoConfig } from '../../../src/grpo/index.ts';

describe('grpo config', () => {
  it('config - defaults are the paper config', () => {
    expect(grpoConfig()).toEqual({
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
    expect(grpoConfig({ epochs: 1 })).toEqual({ ...DEFAULT_GRPO, epochs: 1 });
  });

  it('config - errors name the field that is off', () => {
    const cases: [Partial<Record<string, unknown>>, RegExp][] = [
      [{ clipLow: 1 }, /^grpo\.clipLow: /],
      [{ clipHigh: 0 }, /^grpo\.clipHigh: /],
      [{ klCoef: -0.1 }, /^grpo\.klCoef: /],
      [{ epochs: 1.5 }, /^grpo\.epochs: /],
      [{ minibatchSize: 0 }, /^grpo\.minibatchSize: /],
      [{ learningRate: 0 }, /^grpo\.learningRate: /],
      [{ temperature: NaN }, /^grpo\.temperature: /],
      [{ advantageEpsilon: -1 }, /^grpo\.advantageEpsilon: /],
      [{ scaleAdvantagesByStd: 'yes' }, /^grpo\.scaleAdvantagesByStd: /],
      [{ maxGradNorm: -1 }, /^grpo\.maxGradNorm: /],
    ];
    for (const [overrides, message] of cases) {
      expect(() => grpoConfig(overrides as never)).toThrow(ConfigError);
      expect(() => grpoConfig(overrides as never)).toThrow(message);
    }
    expect(() => grpoConfig({ epochs: 0 }, 'learner')).toThrow(/^learner\.epochs: /);
  });
});
