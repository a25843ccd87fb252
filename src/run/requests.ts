import { envelope } from '../protocol/envelope.ts';
import type { RolloutRequest } from '../protocol/messages.ts';
import type { RolloutKind } from '../protocol/subjects.ts';
import { hashString } from '../tasks/rng.ts';
import type { Question, Task } from '../tasks/types.ts';
import type { SamplingConfig } from './config.ts';

/** What a requester decides; the wire message adds the envelope, tokens and sampling. */
export interface RequestSpec {
  run: string;
  kind: RolloutKind;
  /** Deterministic id: a re-sent request has the same id, so the broker and the result stream dedup it. */
  id: string;
  groupId: string;
  question: Question;
  /** Failure-prefix tokens forced after the prompt. */
  prefix: ArrayLike<number>;
  n: number;
  minPolicyVersion: number;
}

/** A `RolloutRequest`: bos + question tokens + prefix, the run's sampling, a seed derived from the id. */
export function rolloutRequest(task: Task, s: SamplingConfig, spec: RequestSpec, now = Date.now()): RolloutRequest {
  const body = task.tokenizer.encode(spec.question.prompt);
  const prompt = new Int32Array(1 + body.length + spec.prefix.length);
  prompt[0] = task.tokenizer.bos;
  prompt.set(body, 1);
  prompt.set(Array.from(spec.prefix), 1 + body.length);
  return {
    ...envelope('rollout.request', spec.id, () => now),
    run: spec.run,
    kind: spec.kind,
    groupId: spec.groupId,
    questionId: spec.question.id,
    split: spec.question.split,
    question: spec.question.prompt,
    answer: spec.question.answer,
    prompt,
    prefixLength: spec.prefix.length,
    n: spec.n,
    sampling: { temperature: s.temperature, topP: s.topP, maxTokens: s.maxTokens, seed: hashString(spec.id) >>> 0 },
    minPolicyVersion: spec.minPolicyVersion,
    createdAt: now,
  };
}

/**
 * The request sent again as attempt `attempt` (≥ 2): same id and content, a new `Nats-Msg-Id`
 * (`<id>#<attempt>`), so that the requests stream does not drop it as a duplicate of the first
 * issue within its 2-minute window. Its result keeps the request's id, so results stay
 * deduplicated per logical request.
 */
export function reissued(request: RolloutRequest, attempt: number, now: number): { request: RolloutRequest; msgId: string } {
  return { request: { ...request, ts: now, attempt }, msgId: attemptMsgId(request.id, attempt) };
}

/** The `Nats-Msg-Id` of a request's `attempt`: its id for the first, `<id>#<attempt>` after. */
export function attemptMsgId(id: string, attempt: number): string {
  return attempt <= 1 ? id : `${id}#${attempt}`;
}

/** Pool KV keys: question ids may hold characters KV keys cannot (`+`, `:`), so they are base64url. */
export function poolKey(questionId: string): string {
  return Buffer.from(questionId, 'utf8').toString('base64url');
}
