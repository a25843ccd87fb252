import { getPriority, setPriority } from 'node:os';

/**
 * How much nicer than `saturn up` itself its local rollout actors and selector run. A run is
 * learner-bound (in default runs every step waited on the update, never on rollouts): the
 * learner is its critical path, and rollouts for later steps fill the time around it. When both
 * want the cores, the scheduler then serves the learner first; when the learner waits for its
 * step's rollouts it takes no CPU, and the actors get the cores as before.
 */
export const YIELD_NICENESS = 5;

/** Lowers a child's CPU priority by {@link YIELD_NICENESS} (best effort: a refused change leaves it as it is). */
export function yieldToLearner(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, Math.min(19, getPriority(pid) + YIELD_NICENESS));
  } catch {
    // Not permitted here (or the child already gone): it runs at the parent's priority.
  }
}
