import type { Policy } from '../model/policy.ts';
import { mulberry32 } from '../tasks/rng.ts';
import type { Task } from '../tasks/types.ts';
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
}

export interface EvalOptions {
  splits: string[];
  questions: number;
  samples: number;
  /** Seed of the evaluation questions and misleading starts: fixed, so before/after compare the same set. */
  seed: number;
}

/** Accuracy per split from the question alone and, where the task can write one, from a misleading start. */
export function evaluateSplits(policy: Policy, task: Task, o: EvalOptions, s: GroupSampling): Record<string, SplitAccuracy> {
  const out: Record<string, SplitAccuracy> = {};
  for (const split of o.splits) {
    const questions = task.generate(split, o.questions, o.seed);
    const plain = sampleGroups(policy, task, questions.map((q) => questionContext(task, q)), o.samples, s);
    const rewards = plain.flatMap((g) => g.rewards);
    const lengths = plain.flatMap((g) => g.completions.map((c) => c.length));
    const result: SplitAccuracy = {
      questions: questions.length,
      samplesPerQuestion: o.samples,
      accuracy: mean(rewards),
      meanResponseTokens: mean(lengths),
    };
    if (task.misleadingPrefix) {
      const rng = mulberry32(o.seed ^ 0x5bd1e995);
      const misled: Context[] = questions.map((q) => questionContext(task, q, task.tokenizer.encode(task.misleadingPrefix!(q, rng))));
      result.misleadingAccuracy = mean(sampleGroups(policy, task, misled, o.samples, s).flatMap((g) => g.rewards));
    }
    out[split] = result;
  }
  return out;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
