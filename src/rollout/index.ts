/** Rollout engines by name; `tfjs` (saturn's own policy) and `openai` (an HTTP server) are built in. */
import { openAiEngine } from './openai-engine.ts';
import { BUILT_IN_ENGINE_OPTIONS } from './openai-options.ts';
import { checkConfiguredEngine, checkEngineOptions, knownEngines, loadEngine, registerEngine, resolveEngine } from './registry.ts';
import { tfjsEngine } from './tfjs-engine.ts';

registerEngine('tfjs', tfjsEngine, BUILT_IN_ENGINE_OPTIONS.tfjs);
registerEngine('openai', openAiEngine, BUILT_IN_ENGINE_OPTIONS.openai);

export { checkConfiguredEngine, checkEngineOptions, knownEngines, loadEngine, registerEngine, resolveEngine };
export { defineEngine, EngineOptionError, onlyOptions } from './engine.ts';
export type { EngineContext, EngineFactory, EnginePlugin, GenerationJob, Generated, RolloutEngine } from './engine.ts';
