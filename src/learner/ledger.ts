import type { RolloutRequest, RolloutResult } from '../protocol/messages.ts';
import { Outstanding } from '../run/outstanding.ts';
import { stepOfRequest } from './plan.ts';
import type { TrainRequest } from './requests.ts';

/** What the learner does with a training result it received (see {@link TrainLedger.offer}). */
export type Verdict =
  /** Answers a planned request: kept for its step, acked after the step's checkpoint. */
  | { kind: 'kept' }
  /** A step not planned yet (a resumed learner's successor plan may want it): held unacked. */
  | { kind: 'early' }
  /** Another copy of a result held: held with it (acked with it, never before the checkpoint). */
  | { kind: 'duplicate' }
  /** Its step is trained and checkpointed: ack it now. */
  | { kind: 'done' }
  /** Not a training request id of this learner's form: ack and count. */
  | { kind: 'foreign' }
  /** Claims to answer a planned request but does not answer it: dead-letter with the reason. */
  | { kind: 'mismatch'; reason: string };

/** One result held unacked, with the handle that acks it (a JetStream message in the actor). */
interface Held<H> {
  step: number;
  result: RolloutResult;
  handles: H[];
}

/** Limits a result must respect to answer a request (besides naming it). */
export interface AnswerLimits {
  /** The policy's context: prompt + completion must fit (a longer one is an answer to another prompt). */
  contextLength: number;
  /** The highest policy version published so far: a result from a later one is made up. */
  version: number;
}

/**
 * The learner's request ledger, free of transport and of time (the caller passes `now`): which
 * training requests are in flight, which results arrived for them, which to send again, and which
 * results may be acked. Acks are the caller's, through the handles this ledger returns: a result
 * (and every copy of it) is acked only once its step is checkpointed, so a learner killed before
 * that leaves it to its successor instead of taking it along (a 9-fault chaos run stalled 150 s
 * when duplicates were acked at once and the successor's re-sends were then dropped as duplicates).
 */
export class TrainLedger<H> {
  private readonly inFlight = new Map<string, TrainRequest>();
  private readonly unanswered: Outstanding;
  private readonly held = new Map<string, Held<H>>();
  /** The last step trained and checkpointed: results of it or before are acked on arrival. */
  private durableStep: number;

  constructor(durableStep: number, resendAfterMs: number) {
    this.durableStep = durableStep;
    this.unanswered = new Outstanding(resendAfterMs);
  }

  /** Records a step's requests as sent at `now` (call before publishing them). */
  plan(requests: readonly TrainRequest[], now: number): void {
    for (const r of requests) {
      this.inFlight.set(r.request.id, r);
      this.unanswered.sent(r.request, now);
    }
  }

  /** Whether a request of this id is planned and not yet trained. */
  planned(id: string): TrainRequest | undefined {
    return this.inFlight.get(id);
  }

  /** Decides what to do with an arriving result; `handle` is kept when the verdict holds it. */
  offer(result: RolloutResult, handle: H, limits: AnswerLimits): Verdict {
    const step = stepOfRequest(result.requestId);
    if (step === undefined || result.kind !== 'train') return { kind: 'foreign' };
    if (step <= this.durableStep) return { kind: 'done' };
    const copy = this.held.get(result.requestId);
    if (copy) {
      copy.handles.push(handle);
      return { kind: 'duplicate' };
    }
    const sent = this.inFlight.get(result.requestId);
    if (sent) {
      const reason = mismatch(sent.request, result, limits);
      if (reason) return { kind: 'mismatch', reason };
    }
    this.held.set(result.requestId, { step, result, handles: [handle] });
    this.unanswered.answered(result.requestId);
    return { kind: sent ? 'kept' : 'early' };
  }

  /**
   * Checks the results held for requests just planned (they arrived before the plan: a resumed
   * learner's redelivered results). Returns those that do not answer their request, released.
   */
  reconcile(limits: AnswerLimits): Array<{ result: RolloutResult; handles: H[]; reason: string }> {
    const bad: Array<{ result: RolloutResult; handles: H[]; reason: string }> = [];
    for (const [id, h] of this.held) {
      const sent = this.inFlight.get(id);
      const reason = sent && mismatch(sent.request, h.result, limits);
      if (reason) {
        this.held.delete(id);
        this.unanswered.sent(sent!.request, 0); // asked again at once
        bad.push({ result: h.result, handles: h.handles, reason });
      }
    }
    return bad;
  }

  /** The results of `ids` once every one has arrived, else undefined. */
  results(ids: readonly string[]): RolloutResult[] | undefined {
    const out: RolloutResult[] = [];
    for (const id of ids) {
      const h = this.held.get(id);
      if (!h) return undefined;
      out.push(h.result);
    }
    return out;
  }

  /** Requests whose result is overdue at `now`, as their next attempt (the ledger counts it sent). */
  overdue(ids: readonly string[], now: number): Array<{ request: RolloutRequest; msgId: string }> {
    return this.unanswered.overdue(now, ids);
  }

  /** How many of `ids` are overdue at `now` (without re-sending them). */
  overdueCount(ids: readonly string[], now: number): number {
    return this.unanswered.overdueCount(now, ids);
  }

  /** Forgets a step planned but abandoned (drawn again): its results may be acked once later steps are durable. */
  abandon(ids: readonly string[]): void {
    for (const id of ids) {
      this.inFlight.delete(id);
      this.unanswered.answered(id);
    }
  }

  /**
   * Step `step` is checkpointed: returns the handles of every result held for it or an earlier
   * step (copies and unplanned ones included), to ack now, and forgets them.
   */
  durable(step: number): H[] {
    this.durableStep = Math.max(this.durableStep, step);
    const handles: H[] = [];
    for (const [id, h] of this.held) {
      if (h.step > this.durableStep) continue;
      handles.push(...h.handles);
      this.held.delete(id);
    }
    for (const [id, f] of this.inFlight) if (f.step <= this.durableStep) this.abandon([id]);
    return handles;
  }

  /** Every handle held (to keep them from redelivery while a step waits: in-progress acks). */
  heldHandles(): H[] {
    return [...this.held.values()].flatMap((h) => h.handles);
  }

  /** The request a result answers, while its step is not durable. */
  requestOf(id: string): RolloutRequest | undefined {
    return this.inFlight.get(id)?.request;
  }
}

/** Why `result` does not answer `request`, or undefined when it does. */
export function mismatch(request: RolloutRequest, result: RolloutResult, limits: AnswerLimits): string | undefined {
  if (result.questionId !== request.questionId) return `answers question ${result.questionId}, the request asked ${request.questionId}`;
  if (result.groupId !== request.groupId) return `answers group ${result.groupId}, the request asked ${request.groupId}`;
  if (result.samples.length !== request.n) return `has ${result.samples.length} samples, the request asked ${request.n}`;
  if (result.policyVersion > limits.version) return `claims policy version ${result.policyVersion}, the latest published is ${limits.version}`;
  for (const [i, s] of result.samples.entries()) {
    if (s.tokens.length === 0) return `samples[${i}] has no tokens`;
    if (s.tokens.length > request.sampling.maxTokens) return `samples[${i}] has ${s.tokens.length} tokens, the request allowed ${request.sampling.maxTokens}`;
    if (request.prompt.length + s.tokens.length > limits.contextLength) return `samples[${i}]: prompt ${request.prompt.length} + ${s.tokens.length} tokens exceed the context (${limits.contextLength})`;
    if (s.logProbs.some((x) => !(Number.isFinite(x) && x <= 0))) return `samples[${i}].logProbs: expected finite log-probabilities ≤ 0`;
  }
  return undefined;
}
