/**
 * Field checks for hand-written validators. Each takes the value and its path from the message
 * root, returns the value typed when it is acceptable, and throws {@link ValidationError} saying
 * which field and what was expected otherwise. The validators stop at the first bad field.
 */
import { ValidationError } from './errors.ts';

/** A decoded msgpack map. */
export type Fields = Record<string, unknown>;

/** `parent.key`, or `key` at the root. */
export function at(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** A plain object (a decoded msgpack map), not an array, typed array, null or extension value. */
export function object(value: unknown, path: string): Fields {
  if (!isPlainObject(value)) throw new ValidationError(path || '(root)', 'a map', describe(value));
  return value;
}

/** True for `{}`-like objects: what msgpackr makes of a msgpack map. */
export function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A string of 1…`max` characters (or 0… when `allowEmpty`). */
export function string(value: unknown, path: string, max: number, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > max) {
    const range = allowEmpty ? `at most ${max}` : `1–${max}`;
    throw new ValidationError(path, `a string of ${range} characters`, describe(value));
  }
  return value;
}

/** An id: 1–200 characters, no whitespace or control characters (it is used as Nats-Msg-Id). */
export function id(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[^\s\p{Cc}]{1,200}$/u.test(value)) {
    throw new ValidationError(
      path,
      'an id of 1–200 characters without whitespace or control characters',
      describe(value),
    );
  }
  return value;
}

/** An integer in [min, max] that a float64 represents exactly. */
export function integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new ValidationError(path, `an integer ${range}`, describe(value));
  }
  return value;
}

/** A finite number in [min, max]. */
export function finite(value: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(path, `a finite number${range(min, max)}`, describe(value));
  }
  return value;
}

function range(min: number, max: number): string {
  if (min === -Infinity) return max === Infinity ? '' : ` ≤ ${max}`;
  return max === Infinity ? ` ≥ ${min}` : ` in [${min}, ${max}]`;
}

/** Any number, NaN and ±Infinity included. */
export function number(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new ValidationError(path, 'a number', describe(value));
  return value;
}

/** `true` or `false`. */
export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(path, 'a boolean', describe(value));
  return value;
}

/** One of `options`. */
export function oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T {
  if (!options.includes(value as T)) {
    throw new ValidationError(path, `one of ${options.join(', ')}`, describe(value));
  }
  return value as T;
}

/** An Int32Array of at most `max` elements (msgpackr typed-array extension, code 5). */
export function int32Array(value: unknown, path: string, max: number): Int32Array {
  if (!(value instanceof Int32Array)) throw new ValidationError(path, 'an Int32Array', describe(value));
  if (value.length > max) throw new ValidationError(path, `at most ${max} elements`, describe(value));
  return value;
}

/**
 * A Float32Array of at most `max` elements (msgpackr typed-array extension, code 7), every one
 * finite: a NaN or ±Infinity that passed here would reach arithmetic that trusts it (a learner's
 * importance ratios), so it stops at the edge with the element's index.
 */
export function float32Array(value: unknown, path: string, max: number): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new ValidationError(path, 'a Float32Array', describe(value));
  }
  if (value.length > max) throw new ValidationError(path, `at most ${max} elements`, describe(value));
  const bad = value.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new ValidationError(at(path, bad), 'a finite number', describe(value[bad]));
  return value;
}

/** Raw bytes (msgpack bin) of at most `max` bytes. */
export function bytes(value: unknown, path: string, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ValidationError(path, 'bytes', describe(value));
  if (value.length > max) throw new ValidationError(path, `at most ${max} bytes`, describe(value));
  return value;
}

/** An array of at most `max` elements. */
export function array(value: unknown, path: string, max: number, min = 0): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw new ValidationError(path, `an array of ${min}–${max} elements`, describe(value));
  }
  return value;
}

/** A short description of what was found, for error messages; never huge, never throws. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name === 'Buffer' ? 'bytes' : value.constructor.name;
    const length = 'length' in value ? (value as { length: number }).length : value.byteLength;
    return `${name}(${length})`;
  }
  if (value instanceof Map) return `Map(${value.size})`;
  if (typeof value === 'object' && !isPlainObject(value)) return `a ${value.constructor?.name ?? 'value'}`;
  return typeof value === 'object' ? 'a map' : typeof value;
}
