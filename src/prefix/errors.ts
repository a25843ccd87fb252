/**
 * Typed errors of the prefix library. Every one of them means the caller handed over a value
 * outside its domain, so none is worth retrying.
 */
import { SaturnError } from '../errors.ts';

/** An argument, option or config field of the prefix library with an unacceptable value. */
export class PrefixArgumentError extends SaturnError {
  override name = 'PrefixArgumentError';
  constructor(
    /** Path of the offending value, e.g. `minCorrect`, `fractions[3]`, `candidates[2].trials`. */
    readonly field: string,
    /** What would have been accepted, in words. */
    readonly expected: string,
    /** The value that was handed over. */
    readonly got: unknown,
  ) {
    super(`${field}: expected ${expected}, got ${describe(got)}`, { retryable: false });
  }
}

// JSON.stringify turns NaN and ±Infinity into "null", which would hide the very value at fault.
function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) {
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
