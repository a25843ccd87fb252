import type { Policy } from '../model/policy.ts';
import { sampleWithCache } from '../model/sample.ts';
import type { Question, Task } from '../tasks/types.ts';

/** One conditioning context: a question and the token ids the policy continues (bos + prompt [+ prefix]). */
export interface Context {
  question: Question;
  ids: Int32Array;
  /** Completion text already written by the prefix (empty without one); the verifier sees prefix + continuation. */
  prefixText: string;
}

/** n sampled continuations of one context with their rewards. */
export interface Group {
  context: Context;
  completions: Int32Array[];
  logProbs: Float32Array[];
  rewards: number[];
}

export interface GroupSampling {
  temperature: number;
  topP: number;
  maxTokens: number;
  rng: () => number;
  /** Most sequences per sampler call: bounds memory, and wide batches keep the matmuls efficient. */
  maxRows?: number;
}

/**
 * Samples n continuations of every context and scores them with the task's verifier. Contexts
 * are packed into sampler calls of at most maxRows sequences; rewards are 0/1.
 */
export function sampleGroups(policy: Policy, task: Task, contexts: Context[], n: number, s: GroupSampling): Group[] {
  const maxRows = Math.max(n, s.maxRows ?? 256);
  const perCall = Math.max(1, Math.floor(maxRows / n));
  const room = policy.config.contextLength;
  const groups: Group[] = [];
  for (let start = 0; start < contexts.length; start += perCall) {
    const chunk = contexts.slice(start, start + perCall);
    const prompts = chunk.flatMap((c) => Array.from({ length: n }, () => c.ids));
    const longest = Math.max(...chunk.map((c) => c.ids.length));
    const maxTokens = Math.min(s.maxTokens, room - longest);
    const outs = sampleWithCache(policy, prompts, { temperature: s.temperature, topP: s.topP, maxTokens, stopToken: task.tokenizer.eos, rng: s.rng });
    chunk.forEach((context, i) => {
      const mine = outs.slice(i * n, (i + 1) * n);
      groups.push({
        context,
        completions: mine.map((o) => o.tokens),
        logProbs: mine.map((o) => o.logProbs),
        rewards: mine.map((o) => task.verify(context.question, context.prefixText + task.tokenizer.decode(o.tokens))),
      });
    });
  }
  return groups;
}

/** bos + prompt (+ prefix tokens) as a context. */
export function questionContext(task: Task, question: Question, prefix?: Int32Array): Context {
  const body = task.tokenizer.encode(question.prompt);
  const ids = new Int32Array(1 + body.length + (prefix?.length ?? 0));
  ids[0] = task.tokenizer.bos;
  ids.set(body, 1);
  if (prefix) ids.set(prefix, 1 + body.length);
  return { question, ids, prefixText: prefix ? task.tokenizer.decode(prefix) : '' };
}
