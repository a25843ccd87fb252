import { describe, expect, it } from 'vitest';
import { PrefixArgumentError, isSaturated, saturationConfig } from '../../../src/prefix/index.ts';

/** `correct` ones followed by `total − correct` zeros. */
const rewards = (correct: number, total: number): number[] =>
  Array.from({ length: total }, (_, i) => (i < correct ? 1 : 0));

describe('saturation', () => {
  it('saturation - 32 of 32 correct is not saturated: there is no failure to cut', () => {
    expect(isSaturated(rewards(32, 32))).toBe(false);
  });

  it('saturation - 31 of 32 correct is saturated, wherever the failure is', () => {
    expect(isSaturated(rewards(31, 32))).toBe(true);
    expect(isSaturated([0, ...rewards(31, 31)])).toBe(true);
    expect(isSaturated(Float64Array.from(rewards(31, 32)))).toBe(true);
  });

  it('saturation - 30 of 32 correct is not saturated by default', () => {
    expect(isSaturated(rewards(30, 32))).toBe(false);
    expect(isSaturated(rewards(0, 32))).toBe(false);
  });

  it('saturation - a custom threshold moves the cut-off', () => {
    expect(isSaturated(rewards(30, 32), { minCorrect: 30 })).toBe(true);
    expect(isSaturated(rewards(29, 32), { minCorrect: 30, samples: 32 })).toBe(false);
    expect(isSaturated(rewards(15, 16), { minCorrect: 15, samples: 16 })).toBe(true);
    expect(isSaturated(rewards(16, 16), { minCorrect: 15, samples: 16 })).toBe(false);
  });

  it('saturation - without samples any length is accepted, and too few rewards are not saturated', () => {
    expect(isSaturated(rewards(15, 16))).toBe(false);
    expect(isSaturated([])).toBe(false);
  });

  it('saturation - samples must match the number of rewards', () => {
    expect(() => isSaturated(rewards(31, 31), { samples: 32 })).toThrow(PrefixArgumentError);
    expect(() => isSaturated(rewards(31, 31), { samples: 32 })).toThrow(/^samples: /);
  });

  it('saturation - non-binary rewards are rejected, naming the position', () => {
    expect(() => isSaturated([1, 1, 0.5, 0])).toThrow(/^rewards\[2\]: expected 0 or 1, got 0\.5/);
    expect(() => isSaturated([1, NaN])).toThrow(/got NaN/);
  });

  it('saturation - config fills defaults and validates each field by name', () => {
    expect(saturationConfig()).toEqual({ minCorrect: 31, samples: undefined });
    expect(saturationConfig({ minCorrect: 7, samples: 8 })).toEqual({ minCorrect: 7, samples: 8 });
    expect(() => saturationConfig({ minCorrect: 0 })).toThrow(/^minCorrect: /);
    expect(() => saturationConfig({ minCorrect: 2.5 })).toThrow(/^minCorrect: /);
    expect(() => saturationConfig({ samples: 1, minCorrect: 1 })).toThrow(/^samples: /);
    expect(() => saturationConfig({ samples: -4 })).toThrow(/^samples: /);
    // minCorrect = samples could never be met: a saturated question needs one failure.
    expect(() => saturationConfig({ minCorrect: 16, samples: 16 })).toThrow(/^minCorrect: .*below samples \(16\)/);
    expect(() => saturationConfig({ samples: 16 })).toThrow(/^minCorrect: /);
  });

  it('saturation - errors are typed and not retryable', () => {
    try {
      saturationConfig({ minCorrect: -1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PrefixArgumentError);
      const err = e as PrefixArgumentError;
      expect(err.name).toBe('PrefixArgumentError');
      expect(err.field).toBe('minCorrect');
      expect(err.got).toBe(-1);
      expect(err.retryable).toBe(false);
    }
  });
});
