import type { RolloutRequest } from '../protocol/messages.ts';
import type { Task } from '../tasks/types.ts';

/**
 * The reward of one continuation of a request: the task verifies the completion the question
 * now has, i.e. the forced prefix (the last prefixLength prompt tokens) followed by the continuation.
 */
export function scoreContinuation(task: Task, r: Pick<RolloutRequest, 'questionId' | 'split' | 'question' | 'answer' | 'prompt' | 'prefixLength'>, tokens: Int32Array): number {
  const prefix = r.prefixLength > 0 ? task.tokenizer.decode(r.prompt.subarray(r.prompt.length - r.prefixLength)) : '';
  return task.verify({ id: r.questionId, split: r.split, prompt: r.question, answer: r.answer }, prefix + task.tokenizer.decode(tokens));
}
