import { describe, expect, it } from 'vitest';
import { ARMS, DEFAULT_ARMS, mergeOverlay, resolveArms } from '../../../src/replicate/arms.ts';

describe('replicate arms', () => {
  it('arms - every available arm validates on the defaults, and its overlay reaches the config', () => {
    const arms = resolveArms(DEFAULT_ARMS);
    expect(arms.map((a) => a.name)).toEqual(DEFAULT_ARMS);
    const by = Object.fromEntries(arms.map((a) => [a.name, a]));
    expect(by.base!.config).toBeUndefined();
    expect(by['prefix-tau25']!.config!.selector.tau).toBe(0.25);
    expect(by['prefix-tau75']!.config!.refresh.band).toEqual([0.55, 0.95]);
    expect(by['prefix-norefresh']!.config!.refresh.enabled).toBe(false);
    expect(by['saturated-pool']!.config!.learner.originalShare).toBe(1);
    expect(by.prefix!.config!.refresh.enabled).toBe(true);
    // The baselines: each its own prompt source, none with the pool's refresh.
    expect(DEFAULT_ARMS).toEqual(expect.arrayContaining(['saturated', 'dynamic', 'medium']));
    expect(by.saturated!.config!.learner).toMatchObject({ source: 'saturated', harvestPerStep: 0, dynamicFilter: false });
    expect(by.dynamic!.config!.learner).toMatchObject({ source: 'split', split: 'easy', dynamicFilter: true, harvestPerStep: 0 });
    expect(by.medium!.config!.learner).toMatchObject({ source: 'split', split: 'medium', dynamicFilter: false, harvestPerStep: 0 });
    for (const name of ['saturated', 'dynamic', 'medium']) expect(by[name]!.config!.refresh.enabled).toBe(false);
    expect(ARMS.some((a) => a.pending)).toBe(false);
  });

  it('arms - the base config goes under every overlay, field by field', () => {
    const [arm] = resolveArms(['prefix-tau25'], { selector: { poolTarget: 6 }, learner: { groupSize: 4 } });
    expect(arm!.config!.selector).toMatchObject({ poolTarget: 6, tau: 0.25 });
    expect(arm!.config!.learner.groupSize).toBe(4);
    expect(mergeOverlay({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
  });

  it('arms - unknown, pending, repeated and invalid arms are one error naming the arm', () => {
    expect(() => resolveArms(['prefix', 'nope'])).toThrow(/unknown arm "nope"/);
    expect(() => resolveArms(['prefix', 'prefix'])).toThrow(/named twice/);
    const table = [
      ...ARMS,
      { name: 'broken', role: 'method' as const, description: 'x', overlay: { learner: { groupSiz: 3 } } },
      { name: 'later', role: 'baseline' as const, description: 'x', pending: 'needs a feature' },
    ];
    expect(() => resolveArms(['broken'], {}, table)).toThrow(/^arm broken: its config does not validate: learner\.groupSiz/);
    expect(() => resolveArms(['later'], {}, table)).toThrow(/^arm later: not available yet \(needs a feature\)/);
    // A base config the arm's source cannot use is refused naming the arm and the field.
    expect(() => resolveArms(['medium'], { task: { name: 'arithmetic', options: { splits: { easy: { operands: 3, digits: 2 } } } } })).toThrow(/^arm medium: .*learner\.split/);
  });
});
