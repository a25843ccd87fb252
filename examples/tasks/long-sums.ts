/**
 * An example task plug-in: saturn's addition task with one more split, `long`, whose size comes
 * from the run config. It keeps the built-in tokenizer, so `checkpoints/arithmetic.ckpt` can
 * run on it:
 *
 *   "task": {"name": "./examples/tasks/long-sums.ts", "options": {"operands": 5, "digits": 2}}
 *
 * A task module default-exports a factory `(options) => Task` (types and helpers from
 * `saturn/task`); an option that is off throws `TaskOptionError('options.<field>', …)`, which the
 * config check reports as `task.options.<field>: expected …` before any actor starts.
 */
import { ARITHMETIC_SPLITS, arithmeticTask, TaskOptionError, type Task } from 'saturn/task';

export interface LongSumsOptions {
  /** Numbers added in the `long` split (default 5). */
  operands?: number;
  /** Digits of each (default 2). */
  digits?: number;
}

export default function longSums(options: LongSumsOptions = {}): Task {
  for (const key of Object.keys(options)) if (key !== 'operands' && key !== 'digits') throw new TaskOptionError(`options.${key}`, 'a known option (one of operands, digits)', options[key as keyof LongSumsOptions]);
  const count = (field: 'operands' | 'digits', min: number, fallback: number) => {
    const v = options[field] ?? fallback;
    if (!Number.isInteger(v) || v < min || v > 9) throw new TaskOptionError(`options.${field}`, `an integer in [${min}, 9]`, v);
    return v;
  };
  return arithmeticTask({ name: 'long-sums', splits: { ...ARITHMETIC_SPLITS, long: { operands: count('operands', 2, 5), digits: count('digits', 1, 2) } } });
}
