// Pure (no server): lives with the bus tests because it tests src/bus/idempotency.ts.
import { from, toArray, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SeenSet, skipDuplicates } from '../../../src/bus/index.ts';

describe('idempotency - bounded seen-set', () => {
  it('idempotency - reports new and repeated ids', () => {
    const seen = new SeenSet(10);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('b')).toBe(true);
    expect(seen.add('a')).toBe(false);
    expect(seen.has('b')).toBe(true);
  });

  it('idempotency - memory stays bounded however many ids pass, forgetting the least recently seen', () => {
    const seen = new SeenSet(100);
    for (let i = 0; i < 100_000; i++) seen.add(`id-${i}`);
    expect(seen.size).toBe(100);
    expect(seen.has('id-99999')).toBe(true);
    expect(seen.has('id-99900')).toBe(true);
    expect(seen.has('id-99899')).toBe(false);
  });

  it('idempotency - seeing an id again refreshes it, so a hot id is not evicted', () => {
    const seen = new SeenSet(3);
    seen.add('hot');
    seen.add('a');
    seen.add('b');
    seen.add('hot'); // refreshed: now the newest
    seen.add('c'); // evicts 'a', the least recently seen
    expect(seen.has('hot')).toBe(true);
    expect(seen.has('a')).toBe(false);
  });

  it('idempotency - skipDuplicates passes first sightings and reports duplicates', async () => {
    const dups: string[] = [];
    const seen = new SeenSet(10);
    const out = await firstValueFrom(
      from(['r1', 'r2', 'r1', 'r3', 'r2']).pipe(skipDuplicates(seen, (x) => x, (x) => dups.push(x)), toArray()),
    );
    expect(out).toEqual(['r1', 'r2', 'r3']);
    expect(dups).toEqual(['r1', 'r2']);
  });

  it('idempotency - a capacity below 1 is refused', () => {
    expect(() => new SeenSet(0)).toThrow('capacity: expected an integer ≥ 1, got 0');
  });
});
