import type { RolloutRequest } from '../protocol/messages.ts';
import { reissued } from './requests.ts';

/**
 * Requests sent and not yet answered, with when each was last (re)sent: what to send again. A
 * request is issued once per attempt, and a result may be lost with the actor that took it, with
 * a broker restart, or dead-lettered after `max_deliver`; without a re-issue the requester waits
 * for good (the selector's `probing`/`sweeps` stayed stuck for the rest of a run). Pure: the
 * caller passes the time.
 */
export class Outstanding {
  private readonly waiting = new Map<string, { request: RolloutRequest; attempt: number; sentAt: number }>();

  constructor(private readonly resendAfterMs: number) {}

  /** `request` was sent (its first attempt) at `now`. */
  sent(request: RolloutRequest, now: number): void {
    this.waiting.set(request.id, { request, attempt: request.attempt ?? 1, sentAt: now });
  }

  /** The result of `id` arrived (or it is no longer wanted); true if it was outstanding. */
  answered(id: string): boolean {
    return this.waiting.delete(id);
  }

  has(id: string): boolean {
    return this.waiting.has(id);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** How many requests (of `ids`, or all) are overdue at `now`. */
  overdueCount(now: number, ids?: Iterable<string>): number {
    let n = 0;
    for (const id of ids ?? this.waiting.keys()) {
      const w = this.waiting.get(id);
      if (w && now - w.sentAt >= this.resendAfterMs) n++;
    }
    return n;
  }

  /**
   * The requests (of `ids`, or all) unanswered `resendAfterMs` after they were last sent, as their
   * next attempt: same id and content, `attempt` + 1 and a `Nats-Msg-Id` of their own. They count
   * as sent at `now`.
   */
  overdue(now: number, ids?: Iterable<string>): Array<{ request: RolloutRequest; msgId: string }> {
    const out: Array<{ request: RolloutRequest; msgId: string }> = [];
    for (const id of ids ?? [...this.waiting.keys()]) {
      const w = this.waiting.get(id);
      if (!w || now - w.sentAt < this.resendAfterMs) continue;
      w.attempt += 1;
      w.sentAt = now;
      out.push(reissued(w.request, w.attempt, now));
    }
    return out;
  }
}
