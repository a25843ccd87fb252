/**
 * Tasks as plug-ins by name, so configs and command lines can say `--task arithmetic` or
 * `--task jsonl` and third parties can add their own. An unknown name fails at startup,
 * listing what is known.
 */
import { arithmeticTask, type ArithmeticOptions } from './arithmetic.ts';
import { TaskOptionError, UnknownTaskError } from './errors.ts';
import { loadJsonlTask } from './jsonl.ts';
import type { Task } from './types.ts';

/** Builds a task from its options (whatever the task documents; often none). */
// `any` so factories can declare their own option types and still be registered here.
export type TaskFactory<O = any> = (options?: O) => Task;

/** Options of the built-in `jsonl` task. */
export interface JsonlTaskOptions {
  /** Path of the JSONL file. */
  path: string;
  /** Task name (default: the file name without extension). */
  name?: string;
  /** Field of a line holding the question (default `question`). */
  questionField?: string;
  /** Field of a line holding the reference answer (default `answer`). */
  answerField?: string;
  /** Share in [0, 1) of the lines without a `split` that are held out as split `test` (default 0); see `JsonlFields`. */
  testShare?: number;
}

const factories = new Map<string, TaskFactory>();

/** Makes `factory` resolvable as `name`; registering a taken name is an error. */
export function registerTask<O>(name: string, factory: TaskFactory<O>): void {
  if (typeof name !== 'string' || name === '') throw new TaskOptionError('name', 'a non-empty string', name);
  if (factories.has(name)) throw new TaskOptionError('name', `a name not registered yet`, name);
  factories.set(name, factory);
}

/** Names that {@link resolveTask} accepts, in registration order. */
export function knownTasks(): string[] {
  return [...factories.keys()];
}

/**
 * The task called `nameOrTask` built with `options`, or the task itself when one is passed.
 * Throws {@link UnknownTaskError} listing the known names.
 *
 * @example
 * resolveTask('arithmetic');
 * resolveTask('jsonl', { path: 'data/gsm8k.jsonl' });
 */
export function resolveTask(nameOrTask: string | Task, options?: unknown): Task {
  if (typeof nameOrTask !== 'string') return nameOrTask;
  const factory = factories.get(nameOrTask);
  if (!factory) throw new UnknownTaskError(nameOrTask, knownTasks());
  return factory(options);
}

registerTask('arithmetic', (options?: ArithmeticOptions) => arithmeticTask(options));
registerTask('jsonl', (options?: JsonlTaskOptions) => {
  const o = options ?? ({} as Partial<JsonlTaskOptions>);
  const text = (field: keyof JsonlTaskOptions, what: string, required = false) => {
    const v = o[field];
    if ((v !== undefined || required) && (typeof v !== 'string' || v === '')) throw new TaskOptionError(`options.${field}`, what, v);
  };
  text('path', 'the path of a JSONL file', true);
  text('name', 'a non-empty string');
  text('questionField', 'the name of the field holding the question');
  text('answerField', 'the name of the field holding the answer');
  const share = o.testShare;
  if (share !== undefined && !(typeof share === 'number' && share >= 0 && share < 1)) throw new TaskOptionError('options.testShare', 'a number in [0, 1)', share);
  return loadJsonlTask(o.path!, o.name, { question: o.questionField, answer: o.answerField, testShare: share });
});
