import type { Policy } from '../model/policy.ts';
import { isSaturated } from '../prefix/index.ts';
import type { Question, Task } from '../tasks/types.ts';
import { questionContext, sampleGroups, type Group, type GroupSampling } from './rollouts.ts';

/** What probing one question with n samples found. */
export interface ProbeOutcome {
  question: Question;
  correct: number;
  samples: number;
  saturated: boolean;
  /** The failed completions (token ids, stop token included), in sampling order. */
  failures: Int32Array[];
  group: Group;
}

/** Samples n completions per question and applies the saturation test (≥ minCorrect of n and ≥ 1 failure). */
export function probeQuestions(policy: Policy, task: Task, questions: Question[], n: number, minCorrect: number, s: GroupSampling): ProbeOutcome[] {
  const groups = sampleGroups(policy, task, questions.map((q) => questionContext(task, q)), n, s);
  return groups.map((group) => {
    const correct = group.rewards.reduce((a, r) => a + r, 0);
    return {
      question: group.context.question,
      correct,
      samples: n,
      saturated: isSaturated(group.rewards, { minCorrect }),
      failures: group.completions.filter((_, i) => group.rewards[i] === 0),
      group,
    };
  });
}

/** Share of questions at ≥ minCorrect of n, and the share of those with at least one failure. */
export function saturationSummary(outcomes: ProbeOutcome[], minCorrect: number) {
  const high = outcomes.filter((o) => o.correct >= minCorrect);
  const withFailure = high.filter((o) => o.correct < o.samples);
  const meanAccuracy = outcomes.reduce((a, o) => a + o.correct / o.samples, 0) / Math.max(1, outcomes.length);
  return {
    questions: outcomes.length,
    meanAccuracy,
    atLeastMinCorrectShare: high.length / Math.max(1, outcomes.length),
    saturatedWithFailureShareOfThose: withFailure.length / Math.max(1, high.length),
    saturatedQuestions: withFailure.length,
  };
}
