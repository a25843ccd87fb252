/**
 * Typed errors of the protocol layer. None of them is worth retrying: each one means a message,
 * run id or argument is malformed, and sending the same bytes again cannot fix it.
 */
import { SaturnError } from '../errors.ts';

/**
 * A message that does not satisfy its schema: `path` names the offending field (`prompt`,
 * `samples[3].logProbs`, `sampling.topP`) and `expected` says what would have been accepted.
 */
export class ValidationError extends SaturnError {
  override name = 'ValidationError';
  constructor(
    /** Dotted path of the offending field from the message root; `(root)` for the whole value. */
    readonly path: string,
    /** What would have been accepted, in words. */
    readonly expected: string,
    /** Short description of what was found instead. */
    readonly got: string,
  ) {
    super(`${path}: expected ${expected}, got ${got}`, { retryable: false });
  }
}

/** A run id (or other name fragment) that cannot be embedded in subjects and bucket names. */
export class NameError extends SaturnError {
  override name = 'NameError';
  constructor(
    /** Which argument was bad, e.g. `run`, `actorId`. */
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${field}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`, {
      retryable: false,
    });
  }
}
