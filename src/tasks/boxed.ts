/**
 * The `\boxed{…}` answer convention of math datasets: find the last box of a completion,
 * normalise its content and the reference answer, and compare them — exactly as rationals when
 * both read as numbers, as strings otherwise.
 */

/**
 * Content of the last top-level `\boxed{…}` in `text`, braces matched (so
 * `\boxed{\frac{1}{2}}` gives `\frac{1}{2}`), or `undefined` when there is none. Escaped braces
 * `\{ \}` do not count; a box left unclosed (a truncated completion) is skipped.
 */
export function lastBoxed(text: string): string | undefined {
  const opener = /\\boxed\s*\{/g;
  let found: string | undefined;
  let match: RegExpExecArray | null;
  while ((match = opener.exec(text)) !== null) {
    const start = match.index + match[0].length;
    const end = closingBrace(text, start);
    if (end < 0) continue;
    found = text.slice(start, end);
    // A box nested inside this one is part of its content, not a later answer.
    opener.lastIndex = end + 1;
  }
  return found;
}

/**
 * The canonical text of an answer: trimmed, without `$` (or `\$`), whitespace, LaTeX spacing
 * (`\,` `\;` `\:` `\!`) or thousands separators (`1,234` → `1234`, but `(1,2)` is kept).
 */
export function normaliseAnswer(answer: string): string {
  return answer
    .trim()
    .replace(/\\?\$/g, '')
    .replace(/\\[,;:!]/g, '')
    .replace(/\s+/g, '')
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
}

/**
 * Whether `given` and `expected` are the same answer after {@link normaliseAnswer}: numerically
 * when both read as numbers (`1.50` = `1.5`, `+3` = `3`, `-0` = `0`, `1/2` = `0.5` =
 * `\frac{1}{2}`), by exact text otherwise. An empty answer matches nothing.
 */
export function answersMatch(given: string, expected: string): boolean {
  const a = normaliseAnswer(given);
  const b = normaliseAnswer(expected);
  if (a === '' || b === '') return false;
  const x = parseRational(a);
  const y = parseRational(b);
  if (x && y) return x.num * y.den === y.num * x.den;
  return a === b;
}

/** 1 when the last box of `completion` holds `answer`, 0 otherwise (no box included). */
export function verifyBoxed(answer: string, completion: string): 0 | 1 {
  const boxed = lastBoxed(completion);
  return boxed !== undefined && answersMatch(boxed, answer) ? 1 : 0;
}

/** An exact rational num/den with den > 0. */
interface Rational {
  num: bigint;
  den: bigint;
}

const DECIMAL = /^([+-]?)(\d+\.?\d*|\.\d+)(?:e([+-]?\d+))?$/i;
const FRAC = /^([+-]?)\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}$/;
const FRAC_SHORT = /^([+-]?)\\[dt]?frac(\d)(\d)$/; // \frac12
const SLASH = /^([^/]+)\/([^/]+)$/;
// Beyond this an exponent is more likely garbage than a number, and 10n ** huge would stall.
const MAX_EXPONENT = 400;

/** A normalised answer read as a rational, or undefined when it is not a number. */
function parseRational(text: string): Rational | undefined {
  const frac = FRAC.exec(text) ?? FRAC_SHORT.exec(text);
  if (frac) return withSign(frac[1], divide(parseDecimal(frac[2]), parseDecimal(frac[3])));
  const slash = SLASH.exec(text);
  if (slash) return divide(parseDecimal(slash[1]), parseDecimal(slash[2]));
  return parseDecimal(text);
}

function parseDecimal(text: string): Rational | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, body, exponentText] = m;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  const [whole, fraction = ''] = body.split('.');
  let num = BigInt((whole || '0') + fraction);
  let den = 10n ** BigInt(fraction.length);
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den *= 10n ** BigInt(-exponent);
  return { num: sign === '-' ? -num : num, den };
}

function divide(a: Rational | undefined, b: Rational | undefined): Rational | undefined {
  if (!a || !b || b.num === 0n) return undefined;
  const num = a.num * b.den;
  const den = a.den * b.num;
  return den < 0n ? { num: -num, den: -den } : { num, den };
}

function withSign(sign: string, r: Rational | undefined): Rational | undefined {
  return r && sign === '-' ? { num: -r.num, den: r.den } : r;
}

/** Index of the `}` closing a group whose content starts at `start`, or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++; // skip the escaped character, so \{ and \} do not count
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}
