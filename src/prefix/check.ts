/**
 * Argument guards shared by the prefix library. Each returns the value it checked so it can be
 * used inline, and throws {@link PrefixArgumentError} naming the field otherwise.
 */
import { PrefixArgumentError } from './errors.ts';

/** `value` as an integer in [min, max], both ends included. */
export function checkInteger(field: string, value: number, min: number, max = Infinity): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new PrefixArgumentError(field, `an integer ${range}`, value);
  }
  return value;
}

/** `value` as a number strictly between 0 and 1 (a target accuracy or a cut fraction). */
export function checkOpenUnit(field: string, value: number): number {
  if (!(value > 0 && value < 1)) throw new PrefixArgumentError(field, 'a number in (0, 1)', value);
  return value;
}

/** `value` as a number in [0, 1] (an accuracy estimate). */
export function checkUnit(field: string, value: number): number {
  if (!(value >= 0 && value <= 1)) {
    throw new PrefixArgumentError(field, 'a number in [0, 1]', value);
  }
  return value;
}

/** `value` as a finite number > 0 (a z-score). */
export function checkPositive(field: string, value: number): number {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new PrefixArgumentError(field, 'a finite number > 0', value);
  }
  return value;
}
