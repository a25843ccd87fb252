import type { Policy } from '../model/policy.ts';
import { cutPrefixes, DEFAULT_FRACTIONS, inBand, wilsonInterval } from '../prefix/index.ts';
import type { Task } from '../tasks/types.ts';
import type { ProbeOutcome } from './probe.ts';
import { questionContext, sampleGroups, type GroupSampling } from './rollouts.ts';

/** Conditioned accuracy of one failure prefix. */
export interface PrefixPoint {
  fraction: number;
  length: number;
  successes: number;
  trials: number;
  pHat: number;
  low: number;
  high: number;
}

export interface QuestionCurve {
  questionId: string;
  failure: string;
  points: PrefixPoint[];
}

export interface CurveReport {
  questions: number;
  fractions: number[];
  meanAccuracy: number[];
  questionsWithCandidateInBand: number;
  band: [number, number];
  samplesPerPrefix: number;
  perQuestion: QuestionCurve[];
}

/**
 * Conditioned accuracy against prefix length: for each saturated question, its first failed
 * completion is cut at each fraction and m continuations are sampled from question ⊕ prefix.
 */
export function prefixCurve(policy: Policy, task: Task, saturated: ProbeOutcome[], m: number, s: GroupSampling, fractions = DEFAULT_FRACTIONS, band: [number, number] = [0.25, 0.75]): CurveReport {
  const cuts = saturated.map((o) => ({ outcome: o, prefixes: cutPrefixes(o.failures[0]!, fractions) }));
  const contexts = cuts.flatMap(({ outcome, prefixes }) => prefixes.map((p) => questionContext(task, outcome.question, p.tokens)));
  const groups = sampleGroups(policy, task, contexts, m, s);
  let next = 0;
  const perQuestion: QuestionCurve[] = cuts.map(({ outcome, prefixes }) => ({
    questionId: outcome.question.id,
    failure: task.tokenizer.decode(outcome.failures[0]!),
    points: prefixes.map((p) => {
      const successes = groups[next++]!.rewards.reduce((a, r) => a + r, 0);
      const w = wilsonInterval(successes, m);
      return { fraction: p.fraction, length: p.length, successes, trials: m, pHat: successes / m, low: w.low, high: w.high };
    }),
  }));
  const meanAccuracy = fractions.map((f) => {
    const at = perQuestion.flatMap((q) => q.points.filter((p) => p.fraction === f));
    return at.length ? at.reduce((a, p) => a + p.pHat, 0) / at.length : NaN;
  });
  return {
    questions: perQuestion.length,
    fractions: [...fractions],
    meanAccuracy,
    questionsWithCandidateInBand: perQuestion.filter((q) => q.points.some((p) => inBand(p.pHat, band))).length,
    band,
    samplesPerPrefix: m,
    perQuestion,
  };
}
