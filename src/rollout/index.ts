/** Rollout engines by name; `tfjs` (saturn's own policy) is built in. */
import { knownEngines, registerEngine, resolveEngine } from './registry.ts';
import { tfjsEngine } from './tfjs-engine.ts';

registerEngine('tfjs', tfjsEngine);

export { knownEngines, registerEngine, resolveEngine };
export type { EngineFactory, GenerationJob, Generated, RolloutEngine } from './engine.ts';
