import type { PoolEntry } from './entry.ts';

/**
 * Draws `count` entries for the next training step, favouring the informative ones: weight
 * p̂(1 − p̂) + floor, so an entry drifting towards 0 or 1 is drawn less but never starved
 * (it still needs observations to be refreshed). Without replacement while entries last.
 */
export function drawEntries(entries: PoolEntry[], count: number, rng: () => number, floor = 0.02): PoolEntry[] {
  const left = [...entries];
  const drawn: PoolEntry[] = [];
  while (drawn.length < count && left.length) {
    const weights = left.map((e) => e.pHat * (1 - e.pHat) + floor);
    let u = rng() * weights.reduce((a, b) => a + b, 0);
    let i = 0;
    while (i < left.length - 1 && (u -= weights[i]!) > 0) i++;
    drawn.push(left.splice(i, 1)[0]!);
  }
  return drawn;
}

/**
 * Exactly `count` entries (none from an empty pool): rounds of {@link drawEntries}, so every
 * entry is drawn once before any is drawn twice. A thin pool (just after a refresh, say) then
 * gives one prefix several groups instead of leaving training slots empty.
 */
export function drawSlots(entries: PoolEntry[], count: number, rng: () => number): PoolEntry[] {
  const drawn: PoolEntry[] = [];
  while (entries.length && drawn.length < count) drawn.push(...drawEntries(entries, count - drawn.length, rng));
  return drawn;
}
