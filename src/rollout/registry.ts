import { SaturnError } from '../errors.ts';
import { EngineOptionError, type EngineFactory, type EnginePlugin } from './engine.ts';
import { importPlugin } from '../import-plugin.ts';
import { BUILT_IN_ENGINE_OPTIONS } from './openai-options.ts';

const engines = new Map<string, EnginePlugin>();

/**
 * Registers a rollout engine under `name` (with the check of its `engines.<name>` options, if it
 * takes any); a taken name is an error (no silent replacement).
 */
export function registerEngine(name: string, factory: EngineFactory, checkOptions?: EnginePlugin['checkOptions']): void {
  if (engines.has(name)) throw new SaturnError(`rollout engine "${name}" is already registered`);
  engines.set(name, { name, create: factory, checkOptions });
}

/** The factory registered as `name`; an unknown name lists the known ones. */
export function resolveEngine(name: string): EngineFactory {
  const plugin = engines.get(name);
  if (!plugin) throw new SaturnError(`unknown rollout engine "${name}"; known: ${[...engines.keys()].join(', ') || 'none'}`);
  return plugin.create;
}

export function knownEngines(): string[] {
  return [...engines.keys()];
}

/**
 * The engine `spec` names: a registered name (`tfjs`, `openai`), else a module path
 * (`./engines/mine.ts`, absolute, or `file:` URL) or a package name, imported as pino loads its
 * transports. The module's default export (or its `engine` export) is the {@link EnginePlugin}.
 * `field` is what an error names (`--engine`, `rollout.engine`).
 */
export async function loadEngine(spec: string, field = '--engine'): Promise<EnginePlugin> {
  const known = engines.get(spec);
  if (known) return known;
  const builtIn = [...new Set([...Object.keys(BUILT_IN_ENGINE_OPTIONS), ...knownEngines()])];
  const module = await importPlugin(spec, field, 'rollout engine', builtIn);
  const plugin = (module.default ?? module.engine) as Partial<EnginePlugin> | undefined;
  if (!plugin || typeof plugin !== 'object' || typeof plugin.create !== 'function' || typeof plugin.name !== 'string' || plugin.name === '') {
    throw new SaturnError(`${field}: ${spec} exports no engine plug-in (expected \`export default defineEngine({ name, create })\` from saturn/engine)`);
  }
  return plugin as EnginePlugin;
}

/**
 * `options` checked by the plug-in, a problem as one error naming `engines.<name>.<field>`. An
 * engine that declares no check takes no options.
 */
export function checkEngineOptions(plugin: EnginePlugin, options: unknown): Record<string, unknown> {
  const field = `engines.${plugin.name}`;
  if (options === undefined) options = {};
  if (!options || typeof options !== 'object' || Array.isArray(options)) throw new SaturnError(`${field}: expected an object of engine options, got ${JSON.stringify(options)}`);
  const o = options as Record<string, unknown>;
  try {
    if (plugin.checkOptions) plugin.checkOptions(o);
    else if (Object.keys(o).length) throw new EngineOptionError(Object.keys(o)[0]!, `no options (engine ${plugin.name} takes none)`);
  } catch (e) {
    if (e instanceof EngineOptionError) throw new SaturnError(`${field}.${e.message}`, { cause: e });
    throw e;
  }
  return o;
}

/**
 * For `saturn up`, before any actor starts: a plug-in engine the config names is loaded and its
 * `engines.<name>` options checked (built-in engines' options were checked with the config).
 */
export async function checkConfiguredEngine(spec: string, options: Record<string, Record<string, unknown>>, field = 'rollout.engine'): Promise<void> {
  if (spec in BUILT_IN_ENGINE_OPTIONS) return;
  const plugin = await loadEngine(spec, field);
  checkEngineOptions(plugin, options[plugin.name]);
}
