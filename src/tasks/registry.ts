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
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new TaskOptionError('options.path', 'the path of a JSONL file', options?.path);
  }
  return loadJsonlTask(options.path, options.name);
});
