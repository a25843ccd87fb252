import { describe, expect, it } from 'vitest';
import { byMinVersion, shouldLoad } from '../../../src/rollout/versions.ts';

describe('rollout versions', () => {
  it('rollout versions - weights move only forward; the held version reloads only with other bytes', () => {
    const held = { version: 6, sha256: 'a'.repeat(64) };
    expect(shouldLoad(held, { version: 7, sha256: 'b'.repeat(64) })).toBe(true);
    expect(shouldLoad(held, { version: 5, sha256: 'b'.repeat(64) })).toBe(false);
    expect(shouldLoad(held, { version: 6, sha256: 'a'.repeat(64) })).toBe(false);
    // A learner resumed from an older checkpoint re-published v6 with other bytes: follow it.
    expect(shouldLoad(held, { version: 6, sha256: 'c'.repeat(64) })).toBe(true);
    expect(shouldLoad({ version: -1 }, { version: 0, sha256: 'c'.repeat(64) })).toBe(true);
  });

  it('rollout versions - requests wanting newer weights than held are set apart', () => {
    const r = (v: number) => ({ value: { minPolicyVersion: v } });
    const { ready, early } = byMinVersion([r(0), r(3), r(4), r(2)], 3);
    expect(ready.map((x) => x.value.minPolicyVersion)).toEqual([0, 3, 2]);
    expect(early.map((x) => x.value.minPolicyVersion)).toEqual([4]);
  });
});
