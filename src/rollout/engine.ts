import type { Task } from '../tasks/types.ts';

/** What an engine is asked for: n continuations of one prompt. */
export interface GenerationJob {
  /** Token ids to continue (bos + question + forced prefix). */
  prompt: Int32Array;
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Sampler seed: the same seed and weights repeat the samples. */
  seed: number;
  /** Token that ends a continuation (the task tokenizer's eos). */
  stopToken: number;
}

/** One continuation with its behaviour log-probs. */
export interface Generated {
  tokens: Int32Array;
  logProbs: Float32Array;
  stopped: boolean;
}

/**
 * A rollout engine: the pluggable part of a rollout actor. The actor handles NATS, weights
 * announcements, scoring and acks; an engine only turns prompts into continuations. Engines that
 * serve saturn's own policy load the weights the learner publishes; others (an HTTP endpoint, a
 * process in another language) may ignore them and report their own version.
 */
export interface RolloutEngine {
  readonly name: string;
  /** Version of the weights generating now (-1 before any). */
  readonly policyVersion: number;
  /**
   * False for an engine with its own model (an HTTP endpoint): the actor then never fetches the
   * learner's weights for it, and its `policyVersion` is its own (see docs/protocol.md §6).
   */
  readonly followsWeights?: boolean;
  /** Replaces the weights with a checkpoint's bytes of `version` (not called when `followsWeights` is false). */
  loadWeights(bytes: Uint8Array, version: number): Promise<void>;
  /**
   * Why this engine cannot continue `job`'s prompt (token ids outside its vocabulary, a prompt
   * that fills its context), or undefined. The actor dead-letters a refused request with this
   * reason instead of answering it with garbage.
   */
  refuse?(job: GenerationJob): string | undefined;
  /** Continuations for every job, in order; jobs may be packed into one batch. */
  generate(jobs: GenerationJob[]): Promise<Generated[][]>;
  close(): Promise<void>;
}

/** What an engine is built from: the run's checkpoint and task, and its own options. */
export interface EngineContext {
  /** The run's starting checkpoint (engines that serve saturn's policy start from it). */
  checkpoint: string;
  /** Most sequences per sampler call (the run config's `rollout.maxRows`). */
  maxRows: number;
  /** The run config's `engines.<name>` ({} when absent), already passed through `checkOptions`. */
  options: Record<string, unknown>;
  /** The run's task: its tokenizer is what prompts and continuations are written in. */
  task: Task;
}

/** Builds an engine for a run. */
export type EngineFactory = (context: EngineContext) => Promise<RolloutEngine>;

/**
 * A rollout engine plug-in: what a module given to `--engine ./path.ts` (or a package) exports,
 * as its default export or as `engine`. See docs/plugins.md and examples/engines/.
 */
export interface EnginePlugin {
  /** Its name: options are read from the run config's `engines.<name>`. */
  readonly name: string;
  /**
   * Throws an {@link EngineOptionError} for the first option that is off (an unknown field, a bad
   * value); called before the engine is built, and by `saturn up` before any actor starts.
   */
  checkOptions?(options: Record<string, unknown>): void;
  create: EngineFactory;
}

/** An engine option that is off; reported as `engines.<name>.<field>: expected …`. */
export class EngineOptionError extends Error {
  override readonly name = 'EngineOptionError';
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got?: unknown,
  ) {
    super(`${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
  }
}

/** Refuses any option not in `known` (the first one, by name). */
export function onlyOptions(options: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(options).find((k) => !known.includes(k));
  if (extra !== undefined) throw new EngineOptionError(extra, known.length ? `a known option (one of ${known.join(', ')})` : 'no options (this engine takes none)');
}

/** Declares an engine plug-in (an identity function, there for the types). */
export function defineEngine(plugin: EnginePlugin): EnginePlugin {
  return plugin;
}
