/**
 * The run config's `task`: a registered task's name (`"arithmetic"`) or a name with options
 * (`{"name": "jsonl", "options": {"path": "data.jsonl"}}`). Checked, and the task built once, up
 * front: a bad option is one error naming `task.options.<field>` before any broker or actor starts.
 */
import { ConfigError, SaturnError } from '../errors.ts';
import { importPlugin } from '../import-plugin.ts';
import { JsonlFormatError, knownTasks, registerTask, resolveTask, TaskOptionError, UnknownTaskError } from '../tasks/index.ts';
import type { Task } from '../tasks/types.ts';

/** A task by name, optionally with the options its factory documents. */
export type TaskSpec = string | { name: string; options?: Record<string, unknown> };

/** `value` as a {@link TaskSpec}; throws a ConfigError naming `field` (or its `.name`/`.options`). */
export function checkTaskSpec(value: unknown, field = 'task'): TaskSpec {
  if (typeof value === 'string' && value !== '') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(field, 'a task name or {"name": …, "options": {…}}', value);
  const { name, options, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new ConfigError(`${field}.${unknown}`, 'a known field (one of name, options)');
  if (typeof name !== 'string' || name === '') throw new ConfigError(`${field}.name`, 'a task name', name);
  if (options !== undefined && (!options || typeof options !== 'object' || Array.isArray(options))) throw new ConfigError(`${field}.options`, 'an object', options);
  return options === undefined ? { name } : { name, options: options as Record<string, unknown> };
}

/** The spec's task name. */
export function taskName(spec: TaskSpec): string {
  return typeof spec === 'string' ? spec : spec.name;
}

/**
 * The task `spec` describes, built by its registered factory. Whatever the factory rejects
 * becomes one SaturnError naming the field under `field`: `task.options.path: expected …`,
 * `task.options.path: data.jsonl:3: not valid JSON …`, `task.name: unknown task …`.
 */
export function taskOf(spec: TaskSpec, field = 'task'): Task {
  const name = taskName(spec);
  const options = typeof spec === 'string' ? undefined : spec.options;
  try {
    return resolveTask(name, options);
  } catch (e) {
    if (e instanceof UnknownTaskError) throw new SaturnError(`${field}.name: ${e.message}`, { cause: e });
    if (e instanceof TaskOptionError) throw new SaturnError(`${field}.${e.message}`, { cause: e });
    const path = typeof options?.path === 'string' ? options.path : undefined;
    if (e instanceof JsonlFormatError) throw new SaturnError(`${field}.options.path: ${e.message}`, { cause: e });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR' || (e as NodeJS.ErrnoException).code === 'EACCES') {
      throw new SaturnError(`${field}.options.path: cannot read ${path ?? ''} (${(e as Error).message})`, { cause: e });
    }
    throw e;
  }
}

/**
 * Makes a task plug-in named by `spec` resolvable: a name that is not registered is imported as a
 * module path (`./tasks/mine.ts`, absolute, `file:`) or a package, and its default export (or
 * `task` export), a factory `(options) => Task`, is registered under that name. Call it before
 * the config is checked (`loadRunConfig` does); {@link taskOf} then builds it like a built-in.
 */
export async function loadTaskPlugin(spec: unknown, field = 'task'): Promise<void> {
  const name = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? (spec as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || name === '' || knownTasks().includes(name)) return; // the config check names what is off
  const module = await importPlugin(name, `${field}.name`, 'task', knownTasks());
  const factory = module.default ?? module.task;
  if (typeof factory !== 'function') throw new SaturnError(`${field}.name: ${name} exports no task factory (expected \`export default (options) => task\`)`);
  if (!knownTasks().includes(name)) registerTask(name, factory as (o?: unknown) => Task);
}
