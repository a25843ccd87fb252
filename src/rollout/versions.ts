/**
 * Which weights a rollout actor may hold and which requests it may answer with them. Versions
 * only move forward: an announcement of an older version is never loaded, one of the held
 * version is loaded again only when its bytes differ (a learner that resumed re-published it),
 * and a request is answered only with weights of at least its `minPolicyVersion`.
 */

/** The weights an actor holds: version (-1 for none) and, once loaded from an announcement, their SHA-256. */
export interface HeldWeights {
  readonly version: number;
  readonly sha256?: string;
}

/** True when `announced` should replace `held`. */
export function shouldLoad(held: HeldWeights, announced: { version: number; sha256: string }): boolean {
  if (announced.version !== held.version) return announced.version > held.version;
  return announced.sha256 !== held.sha256;
}

/** `requests` split into those weights of `version` may answer and those that want newer ones. */
export function byMinVersion<R extends { value: { minPolicyVersion: number } }>(requests: readonly R[], version: number): { ready: R[]; early: R[] } {
  const ready: R[] = [];
  const early: R[] = [];
  for (const r of requests) (r.value.minPolicyVersion <= version ? ready : early).push(r);
  return { ready, early };
}
