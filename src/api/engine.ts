/**
 * `saturn/engine`: what a rollout engine plug-in needs (see docs/plugins.md). A plug-in module
 * default-exports `defineEngine({ name, checkOptions?, create })`; `saturn actor rollout --engine
 * ./path.ts` (or the run config's `rollout.engine`) loads it.
 */
export { defineEngine, EngineOptionError, onlyOptions } from '../rollout/engine.ts';
export type { EngineContext, EngineFactory, EnginePlugin, GenerationJob, Generated, RolloutEngine } from '../rollout/engine.ts';
// Building blocks for engines that run saturn's own policy.
export { swapWeights, TfjsEngine, tfjsEngine, unreadableJob } from '../rollout/tfjs-engine.ts';
export { loadCheckpoint, loadCheckpointFile } from '../model/checkpoint.ts';
export { sampleByRecompute, sampleWithCache, type Continuation, type SamplingOptions } from '../model/sample.ts';
export type { Policy } from '../model/policy.ts';
export { mulberry32, type Rng } from '../tasks/rng.ts';
export type { Task, Tokenizer } from '../tasks/types.ts';
