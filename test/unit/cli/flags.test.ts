import { describe, expect, it } from 'vitest';
import { HelpRequested, parseFlags } from '../../../src/cli/flags.ts';

const SPEC = {
  steps: { type: 'integer', description: 'steps', default: 10, min: 1 },
  lr: { type: 'number', description: 'rate', default: 0.1, min: 0, max: 1 },
  out: { type: 'string', description: 'file' },
  json: { type: 'boolean', description: 'json', default: false },
} as const;

describe('flags', () => {
  it('flags - typed values and defaults', () => {
    const { flags, positionals } = parseFlags('x', ['--steps', '5', '--json', 'pos'], SPEC);
    expect(flags).toEqual({ steps: 5, lr: 0.1, out: undefined, json: true });
    expect(positionals).toEqual(['pos']);
  });

  it('flags - a bad value is one line naming the flag', () => {
    expect(() => parseFlags('x', ['--steps', 'abc'], SPEC)).toThrow('--steps: expected an integer ≥ 1, got "abc"');
    expect(() => parseFlags('x', ['--steps', '2.5'], SPEC)).toThrow(/--steps/);
    expect(() => parseFlags('x', ['--lr', '3'], SPEC)).toThrow('--lr: expected a number ≥ 0 and ≤ 1, got "3"');
  });

  it('flags - a negative number says what is wrong with it, not "ambiguous"', () => {
    expect(() => parseFlags('x', ['--steps', '-1'], SPEC)).toThrow('--steps: expected an integer ≥ 1, got "-1"');
    expect(() => parseFlags('x', ['--lr', '-0.5'], SPEC)).toThrow('--lr: expected a number ≥ 0 and ≤ 1, got "-0.5"');
  });

  it('flags - an unknown flag lists the known ones', () => {
    expect(() => parseFlags('x', ['--nope'], SPEC)).toThrow(/--nope.*known options: --steps, --lr, --out, --json/);
  });

  it('flags - --help asks for the usage text', () => {
    expect(() => parseFlags('x', ['--help'], SPEC)).toThrow(HelpRequested);
  });
});
