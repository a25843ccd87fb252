import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, runConfig, type DeepPartial, type RunConfig } from '../../../src/run/config.ts';
import { SMALL_RUN } from '../../helpers/actors.ts';
import { CONTRADICTIONS } from '../../helpers/contradictions.ts';

describe('runConfig', () => {
  it('runConfig - the defaults pass their own rules, and the learner scores at the sampling temperature', () => {
    const c = runConfig();
    expect(c.selector).toEqual(DEFAULT_RUN_CONFIG.selector);
    expect(c.learner.grpo.temperature).toBe(c.sampling.temperature);
  });

  it.each(CONTRADICTIONS)('runConfig - refuses %s, naming the field', (_what, overrides, field) => {
    expect(() => runConfig(overrides)).toThrow(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: (expected|unknown)`));
  });

  it('runConfig - the small run the actor and fault tests use passes the rules', () => {
    expect(runConfig(SMALL_RUN as DeepPartial<RunConfig>).selector.poolTarget).toBe(SMALL_RUN.selector.poolTarget);
  });

  it('runConfig - the learner temperature follows sampling.temperature unless given, and may be given equal', () => {
    expect(runConfig({ sampling: { temperature: 0.7 } }).learner.grpo.temperature).toBe(0.7);
    expect(runConfig({ sampling: { temperature: 0.7 }, learner: { grpo: { temperature: 0.7 } } }).learner.grpo.temperature).toBe(0.7);
  });

  it('runConfig - a stored config reads back as itself (what actors load)', () => {
    const c = runConfig({ sampling: { temperature: 0.8 }, selector: { tau: 0.4, band: [0.2, 0.6] } });
    expect(runConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('runConfig - a non-finite number stored as JSON comes back as null and is refused', () => {
    const stored = JSON.parse(JSON.stringify({ sampling: { temperature: Infinity } }));
    expect(() => runConfig(stored)).toThrow(/^sampling\.temperature: expected a number, got null/);
  });

  it('runConfig - unknown fields and wrongly typed array items are named', () => {
    expect(() => runConfig({ selector: { tua: 0.5 } } as never)).toThrow(/^selector\.tua: expected a known field/);
    expect(() => runConfig({ selector: { fractions: [0.5, '0.6'] } } as never)).toThrow(/^selector\.fractions\[1\]: expected a number/);
    expect(() => runConfig({ selector: { band: [0.2] } } as never)).toThrow(/^selector\.band: expected \[low, high\]/);
  });

  it('runConfig - the learner\'s prompt source: learner.split follows selector.split unless given; bad values are named', () => {
    expect(runConfig().learner).toMatchObject({ source: 'pool', split: 'easy', dynamicFilter: false, maxRounds: 8 });
    expect(runConfig({ selector: { split: 'medium' } }).learner.split).toBe('medium');
    expect(runConfig({ learner: { source: 'split', split: 'medium', dynamicFilter: true } }).learner.split).toBe('medium');
    expect(() => runConfig({ learner: { source: 'prefixes' } } as never)).toThrow(/^learner\.source: expected one of pool, saturated, split, got "prefixes"/);
    expect(() => runConfig({ learner: { split: 'hardest' } })).toThrow(/^learner\.split: expected a split of task arithmetic/);
    expect(() => runConfig({ learner: { maxRounds: 0 } })).toThrow(/^learner\.maxRounds: expected a positive integer/);
    expect(() => runConfig({ learner: { dynamicFilter: 'yes' } } as never)).toThrow(/^learner\.dynamicFilter: expected true or false/);
  });
});
