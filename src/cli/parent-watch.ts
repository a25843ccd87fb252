/**
 * Actors started by another saturn process (`saturn up`, `scripts/churn`, the test helpers) end
 * with it: the starter puts its pid in SATURN_PARENT_PID, and an actor that finds itself
 * re-parented stops as if signalled. Without this, an actor whose starter was killed outright
 * kept running for hours (one from a cluster test outlived it by 1 h 45 min). Actors started by
 * hand have no SATURN_PARENT_PID and are never stopped this way.
 */
export const PARENT_PID_ENV = 'SATURN_PARENT_PID';

/** The environment for a child that must end with this process. */
export function childOfThisProcess(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [PARENT_PID_ENV]: String(process.pid) };
}

/**
 * Calls `onGone` once when this process's parent is no longer the pid in SATURN_PARENT_PID
 * (checked every `everyMs`). Returns a function that stops watching; the timer never keeps the
 * process alive.
 */
export function watchParent(onGone: (parentPid: number) => void, everyMs = 2_000, env: NodeJS.ProcessEnv = process.env): () => void {
  const parent = Number(env[PARENT_PID_ENV]);
  if (!Number.isInteger(parent) || parent <= 0) return () => undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
