import { DrawLag } from '../pool/lag.ts';
import type { RunConfig } from '../run/config.ts';
import type { Prefix, SweepState } from '../prefix/index.ts';
import type { PoolEntry } from '../pool/entry.ts';
import type { Question } from '../tasks/types.ts';

/**
 * What the selector does for the learner's prompt source (`learner.source`): `pool` — probe,
 * sweep and keep the prefix pool (the method); `probe` — only probe, and keep the questions found
 * saturated in the pool bucket with an empty prefix (the `saturated` baseline trains on them);
 * `off` — nothing (the learner draws fresh questions of a split itself).
 */
export type SelectorMode = 'pool' | 'probe' | 'off';

/** The selector's mode for a learner prompt source. */
export function selectorMode(source: RunConfig['learner']['source']): SelectorMode {
  return source === 'pool' ? 'pool' : source === 'saturated' ? 'probe' : 'off';
}

/** What the selector is configured with: the run config's `selector` section, plus: */
export type SelectorSettings = RunConfig['selector'] & {
  /** Seed of the question stream. */
  questionSeed: number;
  /** In-band entries the learner waits for before a step (`learner.minPool`): below it, probing is not paced. */
  learnerMinPool: number;
  /** What it does (default `pool`). */
  mode?: SelectorMode;
};

/** A sweep under way: one saturated question's failure prefixes being measured. */
export interface PendingSweep {
  question: Question;
  failureText: string;
  prefixes: Prefix[];
  /** Text of each prefix (the task tokenizer's decoding). */
  prefixTexts: string[];
  sweep: SweepState;
  /** Generation the resulting pool entry will have. */
  generation: number;
  /** Batches requested so far per candidate (request ids are derived from it). */
  batches: number[];
}

/** Counters the selector reports on the metrics stream and in the run summary. */
export interface SelectorCounters {
  probed: number;
  saturated: number;
  notSaturated: number;
  sweepsDone: number;
  selectedInBand: number;
  selectedOutOfBand: number;
  /** Of those, how many had their candidate closest to τ above the band, and how many below it. */
  outOfBandAbove: number;
  outOfBandBelow: number;
  sweepRollouts: number;
  rebuilt: number;
  retired: number;
  /** Entries removed to make room while the pool was full of entries predicted out of band. */
  evicted: number;
  /** Sweeps started over the later cuts of an entry the policy had learnt past (`selector.recut`). */
  recuts: number;
}

export interface SelectorState {
  pool: Map<string, PoolEntry>;
  /**
   * How far training groups come back above their entry's p̂, measured as the learner measures
   * it: the pool's supply is counted as the learner will draw it, by p̂ + lag.
   */
  lag: DrawLag;
  /** Questions whose probe is in flight, with the generation it will build (0 for new questions). */
  probing: Map<string, { question: Question; generation: number }>;
  sweeps: Map<string, PendingSweep>;
  /** How many questions of the stream have been taken. */
  nextQuestion: number;
  /** New questions this selector process has probed (what `probesPerStep` paces). */
  probesStarted: number;
  counters: SelectorCounters;
}

/** `lagGroups`: training groups the lag is measured over (0: supply counted by p̂ alone). */
export function initialSelectorState(pool: PoolEntry[] = [], nextQuestion = 0, lagGroups = 0): SelectorState {
  return {
    pool: new Map(pool.map((e) => [e.questionId, e])),
    lag: new DrawLag(lagGroups),
    probing: new Map(),
    sweeps: new Map(),
    nextQuestion,
    probesStarted: 0,
    counters: { probed: 0, saturated: 0, notSaturated: 0, sweepsDone: 0, selectedInBand: 0, selectedOutOfBand: 0, outOfBandAbove: 0, outOfBandBelow: 0, sweepRollouts: 0, rebuilt: 0, retired: 0, evicted: 0, recuts: 0 },
  };
}

/** A rollout request the actor should publish (it adds ids, sampling and versions). */
export interface SelectorRequest {
  kind: 'probe' | 'sweep';
  /** Deterministic id suffix: a re-sent request has the same id, so duplicates collapse. */
  key: string;
  groupId: string;
  question: Question;
  /** Failure-prefix tokens continued after the prompt (empty for probes). */
  prefix: Int32Array;
  n: number;
}

export type SelectorOutput =
  | { type: 'request'; request: SelectorRequest }
  | { type: 'pool-put'; entry: PoolEntry }
  | { type: 'pool-delete'; questionId: string; reason: string };
