/**
 * saturn's typed errors. Every error names what was wrong (a field, an argument, a file) so the
 * CLI can print it as one line; `retryable` says whether trying again can help.
 */
export class SaturnError extends Error {
  override name = 'SaturnError';
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** A config field, CLI argument or checkpoint field that does not have an acceptable value. */
export class ConfigError extends SaturnError {
  override name = 'ConfigError';
  constructor(readonly field: string, expected: string, got?: unknown) {
    super(`${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
  }
}

/** Throws a ConfigError naming `field` unless `ok`. */
export function check(ok: boolean, field: string, expected: string, got?: unknown): asserts ok {
  if (!ok) throw new ConfigError(field, expected, got);
}
