/**
 * The contract between saturn and a verifiable task. Everything here is pure and
 * transport-free: the learner, the rollout actors and the prefix selector all hold the same
 * task object and must agree on prompts, token ids and rewards.
 */

/** Maps text to token ids and back; the policy only ever sees these ids. */
export interface Tokenizer {
  /** Number of distinct ids; valid ids are 0 … vocabSize − 1. */
  readonly vocabSize: number;
  /** Padding id (0): fills ragged batches, never produced as text. */
  readonly pad: number;
  /** Beginning-of-sequence id (1): put in front of a prompt by the caller. */
  readonly bos: number;
  /** End-of-sequence id (2): the stop token a completion ends with. */
  readonly eos: number;
  /** Ids of `text`, without bos/eos. */
  encode(text: string): Int32Array;
  /** Text of `ids`; pad, bos and eos are skipped. */
  decode(ids: ArrayLike<number>): string;
}

/** One problem with a known answer. */
export interface Question {
  /** Stable identity, unique within a split; used as a key by the prefix pool. */
  id: string;
  /** The split the question was drawn from. */
  split: string;
  /** The text the policy is conditioned on. */
  prompt: string;
  /** The reference answer the verifier compares against. */
  answer: string;
}

/**
 * A supervised trace for warm start: completion text plus a per-character/per-token loss
 * mask (1 = train on it). The mask has one entry per completion character; the stop token that
 * follows the text is not part of it.
 */
export interface Trace {
  completion: string;
  lossMask: Uint8Array;
}

/** Options of {@link Task.trace}. */
export interface TraceOptions {
  /** Chance in [0, 1] that the trace contains one mistake that is noticed and redone (default 0). */
  repairProbability?: number;
  /** Share of those repairs that are false alarms: a right step, `!`, and the same step again (default 0). */
  falseAlarmShare?: number;
}

/** A family of questions with a verifier, split by difficulty or purpose. */
export interface Task {
  /** The name the task is registered under. */
  readonly name: string;
  /** The tokenizer prompts and completions are encoded with. */
  readonly tokenizer: Tokenizer;
  /** Known split names; any other split is an error. */
  readonly splits: readonly string[];
  /** Deterministic: same (split, count, seed) → same questions. */
  generate(split: string, count: number, seed: number): Question[];
  /** Reward 1 or 0 for a completion (the text the policy generated after the prompt). */
  verify(question: Question, completion: string): 0 | 1;
  /**
   * Optional: the start of a wrong solution (a misleading intermediate step, not yet closed), to
   * measure robustness: accuracy when the policy must continue from it.
   */
  misleadingPrefix?(question: Question, rng: () => number): string;
  /** Optional: a correct (possibly repaired) scratchpad trace for supervised warm start. */
  trace?(question: Question, rng: () => number, options?: TraceOptions): Trace;
}
