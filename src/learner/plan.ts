import { DEFAULT_AIM, drawSlots, drawUniform, type DrawAim } from '../pool/draw.ts';
import { entryGroupId, type PoolEntry } from '../pool/entry.ts';
import type { LearnerSource } from '../run/config.ts';
import { hashString } from '../tasks/rng.ts';
import type { Question, Task } from '../tasks/types.ts';

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

/**
 * One planning round of step `step` from the learner's prompt source (`learner.source`): the
 * pool's (`planStep`), the saturated questions' (the pool bucket's questions, which the selector
 * in probe mode fills with questions found saturated, drawn uniformly, without prefix), or fresh
 * questions of `split` (`freshQuestions`). Empty when the source has nothing yet.
 */
export function planRound(
  source: LearnerSource,
  from: { pool: PoolEntry[]; task: Task; run: string },
  o: Parameters<typeof planStep>[1] & { split: string; maxRounds: number; step: number; round: number },
  rng: () => number,
): PlannedGroup[] {
  if (source === 'pool') return planStep(from.pool, o, rng);
  const questions =
    source === 'saturated'
      ? drawUniform(from.pool, o.promptsPerStep, rng).map((e) => ({ id: e.questionId, split: e.split, prompt: e.prompt, answer: e.answer }))
      : freshQuestions(from.task, freshStream(from.run, o.split), freshOffset(o), o.promptsPerStep);
  return questions.map((question) => ({ groupId: `original:${question.id}`, source: 'original', question, prefix: [], n: o.groupSize, drawnPHat: NaN }));
}

/** The learner's own question stream of `split` (`task.generate(split, n, seed)`), apart from the selector's. */
export function freshStream(run: string, split: string): { split: string; seed: number } {
  return { split, seed: hashString(`${run}:learner`) };
}

/**
 * Where round `round` of step `step` starts in the learner's question stream: each step has room
 * for maxRounds rounds of promptsPerStep questions, so a step planned again (a resumed learner)
 * draws the same questions and its requests get the same ids. A round past maxRounds (a step
 * re-planned after all its results were stale) reuses the next step's questions.
 */
export function freshOffset(o: { step: number; round: number; promptsPerStep: number; maxRounds: number }): number {
  return ((o.step - 1) * o.maxRounds + o.round) * o.promptsPerStep;
}

/** Questions `offset` … `offset + count − 1` of a stream; a finite split (a dataset) wraps around. */
export function freshQuestions(task: Task, stream: { split: string; seed: number }, offset: number, count: number): Question[] {
  const all = task.generate(stream.split, offset + count, stream.seed);
  if (!all.length) return [];
  return Array.from({ length: count }, (_, i) => all[(offset + i) % all.length]!);
}

/** How many questions of its stream a learner drew by step `steps` (`questionStreams` in the run summary). */
export function freshDrawn(o: { promptsPerStep: number; maxRounds: number }, steps: number): number {
  return freshOffset({ ...o, step: steps + 1, round: 0 });
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
