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
  /** Replaces the weights with a checkpoint's bytes of `version`. */
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

/** Builds an engine for a run: `options` are the engine's own settings from the run config. */
export type EngineFactory = (options: { checkpoint: string; backend?: string; maxRows: number }) => Promise<RolloutEngine>;
