import type { Policy } from '../model/policy.ts';
import { mulberry32 } from '../tasks/rng.ts';
import type { Question, Task } from '../tasks/types.ts';
import { questionContext, sampleGroups, type Context, type GroupSampling } from './rollouts.ts';

/** Accuracy figures of one split. */
export interface SplitAccuracy {
  questions: number;
  samplesPerQuestion: number;
  /** Mean reward over all samples (pass@1 at the sampling temperature). */
  accuracy: number;
  /** Accuracy when continuing from a misleading start (a wrong first step), if the task offers one. */
  misleadingAccuracy?: number;
  /** Mean number of generated tokens (stop token included). */
  meanResponseTokens: number;
  /** Per question, in question order (with `perQuestion`): what paired comparisons and the bootstrap need. */
  perQuestion?: QuestionResults;
}

/** Per-question results of one split: mean reward over the samples, plain and from a misleading start. */
export interface QuestionResults {
  ids: string[];
  plain: number[];
  misleading?: number[];
  /** Mean generated tokens of the plain samples. */
  tokens: number[];
}

export interface EvalOptions {
  splits: string[];
  questions: number;
  samples: number;
  /** Seed of the evaluation (see `evalSeeds`): fixed, so before/after compare the same set. */
  seed: number;
  /** Keep the per-question results (`SplitAccuracy.perQuestion`). */
  perQuestion?: boolean;
}

/**
 * The seeds an evaluation seed stands for. Questions come from their own namespace (8,000,000 +
 * seed), far from the selector's stream (seeded by a 32-bit hash of the run id); sampling gets a
 * stream of its own, the same for every checkpoint evaluated with this seed (common random
 * numbers: paired results differ by the policy, less by the draw).
 */
export function evalSeeds(seed: number): { questions: number; sampling: number; misleading: number } {
  const questions = 8_000_000 + seed;
  return { questions, sampling: (Math.imul(seed + 1, 0x9e3779b1) ^ 0x2545f491) >>> 0, misleading: questions ^ 0x5bd1e995 };
}

/** The questions an evaluation with these options asks in `split`. */
export function evalQuestions(task: Task, split: string, o: Pick<EvalOptions, 'questions' | 'seed'>): Question[] {
  return task.generate(split, o.questions, evalSeeds(o.seed).questions);
}

/** Accuracy per split from the question alone and, where the task can write one, from a misleading start. */
export function evaluateSplits(policy: Policy, task: Task, o: EvalOptions, s: Omit<GroupSampling, 'rng'>): Record<string, SplitAccuracy> {
  const seeds = evalSeeds(o.seed);
  const rng = mulberry32(seeds.sampling);
  const out: Record<string, SplitAccuracy> = {};
  for (const split of o.splits) {
    const questions = evalQuestions(task, split, o);
    const plain = sampleGroups(policy, task, questions.map((q) => questionContext(task, q)), o.samples, { ...s, rng });
    const plainByQuestion = plain.map((g) => mean(g.rewards));
    const tokensByQuestion = plain.map((g) => mean(g.completions.map((c) => c.length)));
    const result: SplitAccuracy = {
      questions: questions.length,
      samplesPerQuestion: o.samples,
      accuracy: mean(plainByQuestion),
      meanResponseTokens: mean(tokensByQuestion),
    };
    let misleadingByQuestion: number[] | undefined;
    if (task.misleadingPrefix) {
      const starts = mulberry32(seeds.misleading);
      const misled: Context[] = questions.map((q) => questionContext(task, q, task.tokenizer.encode(task.misleadingPrefix!(q, starts))));
      misleadingByQuestion = sampleGroups(policy, task, misled, o.samples, { ...s, rng }).map((g) => mean(g.rewards));
      result.misleadingAccuracy = mean(misleadingByQuestion);
    }
    if (o.perQuestion) result.perQuestion = { ids: questions.map((q) => q.id), plain: plainByQuestion, misleading: misleadingByQuestion, tokens: tokensByQuestion };
    out[split] = result;
  }
  return out;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
