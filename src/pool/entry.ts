import { inBand, wilsonInterval } from '../prefix/index.ts';
import { decode, encode, type DecodeResult } from '../protocol/codec.ts';
import { envelope } from '../protocol/envelope.ts';

/** One observation of a prefix: a group of rollouts continued from it and how many were correct. */
export interface Observation {
  successes: number;
  trials: number;
  policyVersion: number;
}

/**
 * A prefix-pool entry: the failure prefix chosen for one saturated question and what is known
 * of its conditioned accuracy under the current policy. Stored in the pool KV bucket by question id.
 */
export interface PoolEntry {
  questionId: string;
  split: string;
  /** Question text, so any process can rebuild the prompt without the task's generator. */
  prompt: string;
  answer: string;
  /** Failure-prefix token ids (without the prompt) and their text. */
  prefix: number[];
  prefixText: string;
  /** Fraction of the source failure's tokens the prefix keeps. */
  fraction: number;
  /** The failed completion the prefix was cut from (text). */
  sourceFailure: string;
  /** The sweep's estimate when this prefix was selected (kept: `recent` moves on). */
  selection: { successes: number; trials: number };
  /** Current estimate of the conditioned accuracy and its Wilson interval, from `recent`. */
  pHat: number;
  low: number;
  high: number;
  /** Every trial ever observed for this prefix (sweep + training groups). */
  observations: number;
  /** The latest groups, newest last: p̂ follows the policy as it learns, not its whole history. */
  recent: Observation[];
  /** Policy version of the newest observation. */
  policyVersion: number;
  /** Rebuilds of this question's entry (0 for the first); training group ids carry it. */
  generation: number;
  createdAt: number;
  updatedAt: number;
}

/** How many recent trials p̂ is estimated from (older ones describe an older policy). */
export const RECENT_TRIALS = 64;

/** The entry with one more observation folded in; p̂ and its interval come from the most recent trials. */
export function foldObservation(entry: PoolEntry, o: Observation, now: number): PoolEntry {
  const recent = [...entry.recent, o];
  let trials = recent.reduce((a, r) => a + r.trials, 0);
  while (recent.length > 1 && trials - recent[0]!.trials >= RECENT_TRIALS) trials -= recent.shift()!.trials;
  const successes = recent.reduce((a, r) => a + r.successes, 0);
  const w = wilsonInterval(successes, trials);
  return {
    ...entry,
    recent,
    pHat: trials ? successes / trials : entry.pHat,
    low: w.low,
    high: w.high,
    observations: entry.observations + o.trials,
    policyVersion: Math.max(entry.policyVersion, o.policyVersion),
    updatedAt: now,
  };
}

/**
 * True when the entry's p̂ has left the band with enough evidence: the Wilson interval (at `z`)
 * of its recent trials lies wholly outside [low, high] and rests on at least `minTrials` trials.
 */
export function driftedOutOfBand(entry: PoolEntry, band: readonly [number, number], minTrials: number, z = 1.96): boolean {
  const trials = entry.recent.reduce((a, r) => a + r.trials, 0);
  if (trials < minTrials) return false;
  const w = wilsonInterval(entry.recent.reduce((a, r) => a + r.successes, 0), trials, z);
  return w.high < band[0] || w.low > band[1];
}

/** The training group id of an entry: the generation makes groups of a rebuilt entry distinct. */
export function entryGroupId(entry: Pick<PoolEntry, 'questionId' | 'generation'>): string {
  return `${entry.questionId}#${entry.generation}`;
}

/**
 * The accuracy an entry is expected to show when its group is sampled: p̂ plus `shift`, the lag
 * the learner measures between the pool's estimates and what its groups come back with (see
 * `DrawLag` in src/pool/lag.ts), kept in [0, 1].
 */
export function predictedPHat(entry: PoolEntry, shift = 0): number {
  return Math.min(1, Math.max(0, entry.pHat + shift));
}

/** How many of `entries` have p̂ (+ `shift`, see {@link predictedPHat}) inside `band`: the pool's usable supply of prefixes. */
export function countInBand(entries: Iterable<PoolEntry>, band: readonly [number, number], shift = 0): number {
  let n = 0;
  for (const e of entries) if (inBand(predictedPHat(e, shift), band)) n++;
  return n;
}

/**
 * The bytes the pool bucket stores for `entry`: a `pool.entry` message (msgpack, with the
 * protocol's envelope), validated like every message before it leaves.
 */
export function encodePoolEntry(entry: PoolEntry, now: () => number = Date.now): Uint8Array {
  return encode({ ...entry, ...envelope('pool.entry', undefined, now) });
}

/**
 * The entry in bytes read from the pool bucket, or why there is none (never throws). The
 * envelope is checked and then left out: callers see a plain {@link PoolEntry}.
 */
export function decodePoolEntry(bytes: Uint8Array): DecodeResult<PoolEntry> {
  const r = decode(bytes, 'pool.entry');
  if (!r.ok) return r;
  const { v: _v, type: _type, id: _id, ts: _ts, ...entry } = r.value;
  return { ok: true, value: entry };
}
