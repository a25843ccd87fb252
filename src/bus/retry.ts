import { within } from './close.ts';

/** Raised for an attempt that neither resolved nor rejected within its time. */
export class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

/** Options of {@link retrying}. */
export interface RetryOptions {
  /** Give up (rethrow the last error) after this long; default 60 s. `Infinity` retries until `giveUp`. */
  totalMs?: number;
  /** An attempt still pending after this long counts as failed (default 30 s). */
  attemptMs?: number;
  /** Checked before each new try: true rethrows the last error at once (an actor that is stopping). */
  giveUp?: () => boolean;
  onRetry?: (error: unknown, tries: number) => void;
}

/**
 * Runs `attempt` until it succeeds, backing off between tries, for at most `totalMs`. Used around
 * publishes and KV writes so an actor rides out a broker restart or a reconnect instead of dying;
 * the last error is rethrown when time runs out.
 *
 * An attempt still pending after `attemptMs` counts as failed and is tried again: a write caught
 * by a broker restart can leave its promise pending for good, and an actor awaiting it would hang
 * without a word. Every write retried here is idempotent (message ids, KV values, object names),
 * so a late success of the abandoned attempt does no harm, and its late failure is observed (an
 * object-store put abandoned while the broker was down rejected later with nobody listening, and
 * the unhandled rejection ended the learner).
 */
export async function retrying<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.totalMs ?? 60_000);
  const attemptMs = options.attemptMs ?? 30_000;
  let delay = 100;
  for (let tries = 1; ; tries++) {
    try {
      return await withTimeout(started(attempt), attemptMs);
    } catch (error) {
      if (Date.now() + delay > deadline || options.giveUp?.() || notRetryable(error)) throw error;
      options.onRetry?.(error, tries);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

/** An error that says trying again cannot help (a message that fails validation, a refused config). */
function notRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;
}

/** `attempt()` as a promise, also when it throws before returning one. */
function started<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return attempt();
  } catch (error) {
    return Promise.reject(error);
  }
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * `promise`, or an {@link AttemptTimeoutError} once `ms` pass without it settling. For broker
 * operations that have no deadline of their own: an object-store read caught by a broker restart
 * can stay pending for good (it stalled both rollout actors of a fault test, each waiting on its
 * weights fetch, while every request waited on them). A rejection after the timeout is observed
 * (and dropped): the caller has moved on.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  const value = await within(promise, ms, TIMED_OUT);
  if (value === TIMED_OUT) throw new AttemptTimeoutError(ms);
  return value as T;
}
