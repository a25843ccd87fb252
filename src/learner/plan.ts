import { DEFAULT_AIM, drawSlots, drawUniform, type DrawAim } from '../pool/draw.ts';
import { entryGroupId, type PoolEntry } from '../pool/entry.ts';
import type { Question } from '../tasks/types.ts';

/** One group the learner asks for at a step. */
export interface PlannedGroup {
  groupId: string;
  source: 'prefix' | 'original';
  question: Question;
  /** Failure-prefix tokens after the prompt (empty for an original question). */
  prefix: number[];
  n: number;
  /** The entry's p̂ when drawn (NaN for an original question). */
  drawnPHat: number;
}

/**
 * The groups of training step `step`: `promptsPerStep − round(promptsPerStep · originalShare)`
 * prefix-conditioned prompts drawn from the pool (entries predicted near τ by `aim`, repeated
 * while few are; see `drawSlots`), and the rest original questions taken uniformly from the
 * pool's questions (their prefixes' p̂ says nothing about them). Repeats of an entry share its
 * group id, so GRPO normalises them as one larger group of the same prompt.
 */
export function planStep(
  pool: PoolEntry[],
  o: { promptsPerStep: number; groupSize: number; originalShare: number; aim?: Partial<DrawAim> },
  rng: () => number,
): PlannedGroup[] {
  const prefixSlots = prefixSlotsPerStep(o);
  const originals = o.promptsPerStep - prefixSlots;
  const prefixed = drawSlots(pool, prefixSlots, rng, { ...DEFAULT_AIM, ...o.aim }).map((e) => ({ e, original: false }));
  const plain = drawUniform(pool, originals, rng).map((e) => ({ e, original: true }));
  return [...plain, ...prefixed].map(({ e, original }) => ({
    groupId: original ? `original:${e.questionId}` : entryGroupId(e),
    source: original ? 'original' : 'prefix',
    question: { id: e.questionId, split: e.split, prompt: e.prompt, answer: e.answer },
    prefix: original ? [] : e.prefix,
    n: o.groupSize,
    drawnPHat: original ? NaN : e.pHat,
  }));
}

/** How many of a step's prompts are prefix-conditioned; the rest are original questions. */
export function prefixSlotsPerStep(o: { promptsPerStep: number; originalShare: number }): number {
  return o.promptsPerStep - Math.round(o.promptsPerStep * o.originalShare);
}

/** The step a training request id belongs to (`train:s<step>:<i>:<hash>`, see `trainRequestId`), or undefined. */
export function stepOfRequest(requestId: string): number | undefined {
  const m = /^train:s(\d+):\d+:[0-9a-f]{16}$/.exec(requestId);
  return m ? Number(m[1]) : undefined;
}
