/**
 * The built-in task: multi-step addition with a fixed-width written scratchpad
 * (format in `arithmetic-trace.ts`). Small enough that a tiny transformer saturates it in
 * minutes, which is what failure-prefix conditioning needs to work on.
 */
import { arithmeticTrace, misleadingStart } from './arithmetic-trace.ts';
import { charTokenizer } from './char-tokenizer.ts';
import { requireCount, requireSplit, TaskOptionError } from './errors.ts';
import { deriveSeed, mulberry32, randInt } from './rng.ts';
import type { Question, Task, Tokenizer } from './types.ts';

/** How hard an addition question is. */
export interface ArithmeticDifficulty {
  /** How many numbers are added (at least 2). */
  operands: number;
  /** Digits of every operand: each is uniform over the numbers with exactly this many digits. */
  digits: number;
}

/** Options of {@link arithmeticTask}. */
export interface ArithmeticOptions {
  /** Task name (default `arithmetic`). */
  name?: string;
  /** Split name → difficulty; replaces the defaults, so spread {@link ARITHMETIC_SPLITS} to extend them. */
  splits?: Record<string, ArithmeticDifficulty>;
}

/** Characters of prompts and completions: digits, `+`, `=`, step end `;`, answer mark `#`, repair mark `!`. */
export const ARITHMETIC_ALPHABET = '0123456789+=;#!';

/** The default splits: `easy` is what warm start saturates, `medium` and `hard` are steps up. */
export const ARITHMETIC_SPLITS: Readonly<Record<string, ArithmeticDifficulty>> = Object.freeze({
  easy: { operands: 3, digits: 2 },
  medium: { operands: 4, digits: 2 },
  hard: { operands: 4, digits: 3 },
});

/** The shared tokenizer of the task: 3 specials + 15 characters = 18 ids. */
export const arithmeticTokenizer: Tokenizer = charTokenizer(ARITHMETIC_ALPHABET);

/**
 * An addition task. Questions are `37+85+19=` with answer `141`; `trace` writes the scratchpad
 * `0037+085=0122;0122+019=0141;#141`; `verify` reads the number after the last `#`.
 *
 * @example
 * const task = arithmeticTask({ splits: { ...ARITHMETIC_SPLITS, huge: { operands: 6, digits: 4 } } });
 * const [q] = task.generate('huge', 1, 7);
 * task.verify(q, task.trace!(q, mulberry32(1)).completion); // 1
 */
export function arithmeticTask(options: ArithmeticOptions = {}): Task {
  const name = options.name ?? 'arithmetic';
  const difficulties = { ...(options.splits ?? ARITHMETIC_SPLITS) };
  const splits = Object.keys(difficulties);
  if (splits.length === 0) throw new TaskOptionError('splits', 'at least one split', options.splits);
  for (const split of splits) checkDifficulty(split, difficulties[split]);

  return {
    name,
    tokenizer: arithmeticTokenizer,
    splits,
    generate(split, count, seed) {
      requireSplit(name, split, splits);
      requireCount(count);
      return generateQuestions(split, difficulties[split], count, seed);
    },
    verify: verifyAddition,
    trace(question, rng, traceOptions) {
      return arithmeticTrace(question.prompt, rng, traceOptions?.repairProbability ?? 0, traceOptions?.falseAlarmShare ?? 0);
    },
    misleadingPrefix(question, rng) {
      return misleadingStart(question.prompt, rng);
    },
  };
}

/**
 * 1 when the number after the last `#` (up to the end or the first non-digit; leading zeros
 * allowed) equals the answer, else 0. The scratchpad is not checked, so a repaired trace
 * with the right answer counts as correct.
 */
export function verifyAddition(question: Question, completion: string): 0 | 1 {
  const mark = completion.lastIndexOf('#');
  if (mark < 0) return 0;
  const digits = /^\d+/.exec(completion.slice(mark + 1))?.[0];
  if (digits === undefined) return 0;
  // Compared as digit strings, so an absurdly long answer cannot lose precision and match.
  return stripZeros(digits) === stripZeros(question.answer.trim()) ? 1 : 0;
}

/**
 * `count` distinct questions of one difficulty. Draws are sequential, so the first k of a
 * larger request with the same seed are the k of a smaller one.
 */
function generateQuestions(split: string, d: ArithmeticDifficulty, count: number, seed: number): Question[] {
  const lo = d.digits === 1 ? 0 : 10 ** (d.digits - 1);
  const hi = 10 ** d.digits - 1;
  const available = (hi - lo + 1) ** d.operands;
  if (count > available) {
    throw new TaskOptionError('count', `at most ${available} distinct questions in split "${split}"`, count);
  }
  const rng = mulberry32(deriveSeed(seed, split));
  const seen = new Set<string>();
  const questions: Question[] = [];
  while (questions.length < count) {
    const operands = Array.from({ length: d.operands }, () => randInt(rng, lo, hi));
    const expression = operands.join('+');
    if (seen.has(expression)) continue;
    seen.add(expression);
    const answer = String(operands.reduce((a, b) => a + b, 0));
    questions.push({ id: `${split}:${expression}`, split, prompt: `${expression}=`, answer });
  }
  return questions;
}

function checkDifficulty(split: string, d: ArithmeticDifficulty | undefined): void {
  const field = `splits.${split}`;
  if (!Number.isInteger(d?.operands) || d!.operands < 2) {
    throw new TaskOptionError(`${field}.operands`, 'an integer >= 2', d?.operands);
  }
  // 15 digits keeps every sum an exact double.
  if (!Number.isInteger(d!.digits) || d!.digits < 1 || d!.digits > 15) {
    throw new TaskOptionError(`${field}.digits`, 'an integer in 1..15', d!.digits);
  }
  if (!Number.isSafeInteger(d!.operands * 10 ** d!.digits)) {
    throw new TaskOptionError(field, 'a largest sum below 2^53', d);
  }
}

function stripZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}
