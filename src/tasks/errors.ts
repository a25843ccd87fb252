/**
 * Typed errors of the task library. None of them is worth retrying: each one means the caller
 * asked for something that does not exist or handed over malformed input.
 */

/** A split name the task does not know. */
export class UnknownSplitError extends Error {
  override readonly name = 'UnknownSplitError';
  constructor(
    readonly task: string,
    readonly split: string,
    readonly known: readonly string[],
  ) {
    super(`task "${task}" has no split "${split}" (known splits: ${known.join(', ')})`);
  }
}

/** Text containing a character outside a tokenizer's alphabet. */
export class UnknownCharError extends Error {
  override readonly name = 'UnknownCharError';
  constructor(
    readonly char: string,
    /** Index of the character in the encoded text, counted in code points. */
    readonly position: number,
  ) {
    super(`cannot encode ${JSON.stringify(char)} at position ${position}: not in the alphabet`);
  }
}

/** A line of a JSONL task file that is not a valid question. */
export class JsonlFormatError extends Error {
  override readonly name = 'JsonlFormatError';
  constructor(
    readonly file: string,
    /** 1-based line number; 0 when the problem is the file as a whole. */
    readonly line: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`, options);
  }
}

/** A task name nobody registered. */
export class UnknownTaskError extends Error {
  override readonly name = 'UnknownTaskError';
  constructor(
    readonly task: string,
    readonly known: readonly string[],
  ) {
    super(`unknown task "${task}" (known tasks: ${known.join(', ') || 'none'})`);
  }
}

/** An argument or option with a bad value; says which one and what was expected. */
export class TaskOptionError extends Error {
  override readonly name = 'TaskOptionError';
  constructor(
    /** Dotted path of the offending argument, e.g. `splits.easy.digits`. */
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${field}: expected ${expected}, got ${describe(got)}`);
  }
}

/** Throws {@link UnknownSplitError} unless `split` is one of `known`. */
export function requireSplit(task: string, split: string, known: readonly string[]): void {
  if (!known.includes(split)) throw new UnknownSplitError(task, split, known);
}

/** Throws {@link TaskOptionError} unless `count` is a non-negative integer. */
export function requireCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new TaskOptionError('count', 'a non-negative integer', count);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
