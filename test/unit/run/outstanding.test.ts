import { describe, expect, it } from 'vitest';
import { Outstanding } from '../../../src/run/outstanding.ts';
import { DEFAULT_RUN_CONFIG } from '../../../src/run/config.ts';
import { attemptMsgId, rolloutRequest } from '../../../src/run/requests.ts';
import { resolveTask } from '../../../src/tasks/index.ts';

const task = resolveTask('arithmetic');
const request = (id: string) =>
  rolloutRequest(task, DEFAULT_RUN_CONFIG.sampling, { run: 'unit', kind: 'probe', id, groupId: 'q#0', question: { id: 'q', split: 'easy', prompt: '1+2=', answer: '3' }, prefix: [], n: 4, minPolicyVersion: 0 }, 1_000);

describe('outstanding requests', () => {
  it('outstanding - an unanswered request is issued again after the wait, as a new attempt with a message id of its own', () => {
    const o = new Outstanding(9_000);
    o.sent(request('probe:a'), 0);
    o.sent(request('probe:b'), 0);
    expect(o.overdue(8_999)).toEqual([]);
    o.answered('probe:b');
    const again = o.overdue(9_000);
    expect(again.map((a) => [a.request.id, a.request.attempt, a.msgId])).toEqual([['probe:a', 2, 'probe:a#2']]);
    // Same content and first creation: only the attempt and the envelope time move.
    expect(again[0]!.request.createdAt).toBe(1_000);
    expect(again[0]!.request.prompt).toEqual(request('probe:a').prompt);
    expect(o.overdue(17_999)).toEqual([]);
    expect(o.overdue(18_000).map((a) => a.msgId)).toEqual(['probe:a#3']);
    expect(o.size).toBe(1);
  });

  it('outstanding - the first attempt keeps the request id as its message id', () => {
    expect(attemptMsgId('probe:a', 1)).toBe('probe:a');
    expect(attemptMsgId('probe:a', 4)).toBe('probe:a#4');
  });
});
