import { SaturnError } from '../errors.ts';
import type { EngineFactory } from './engine.ts';

const engines = new Map<string, EngineFactory>();

/** Registers a rollout engine under `name`; a taken name is an error (no silent replacement). */
export function registerEngine(name: string, factory: EngineFactory): void {
  if (engines.has(name)) throw new SaturnError(`rollout engine "${name}" is already registered`);
  engines.set(name, factory);
}

/** The factory registered as `name`; an unknown name lists the known ones. */
export function resolveEngine(name: string): EngineFactory {
  const factory = engines.get(name);
  if (!factory) throw new SaturnError(`unknown rollout engine "${name}"; known: ${[...engines.keys()].join(', ') || 'none'}`);
  return factory;
}

export function knownEngines(): string[] {
  return [...engines.keys()];
}
