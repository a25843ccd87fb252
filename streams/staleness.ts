import { filter, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Bounded staleness: passes results sampled by a policy at most `maxStaleness` versions behind
 * the learner's current one; the rest are reported to `onStale` (to be counted) and dropped.
 */
export function dropStale<T extends { policyVersion: number }>(
  currentVersion: () => number,
  maxStaleness: number,
  onStale: (item: T, lag: number) => void,
): MonoTypeOperatorFunction<T> {
  return filter((item) => {
    const lag = currentVersion() - item.policyVersion;
    if (lag <= maxStaleness) return true;
    onStale(item, lag);
    return false;
  });
}
