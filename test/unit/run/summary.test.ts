import { describe, expect, it } from 'vitest';
import { envelope } from '../../../src/protocol/envelope.ts';
import type { MetricsRecord } from '../../../src/protocol/messages.ts';
import { requestLedger, RunCollector } from '../../../src/run/summary.ts';

const rec = (name: string, step: number, values: Record<string, number>): MetricsRecord => ({ ...envelope('metrics.record'), name, step, values });

describe('run summary', () => {
  it('run summary - fed the whole stream of a resumed run, counters of every process are summed and steps cover the whole run', () => {
    const c = new RunCollector();
    // First session: learner pid 10 (killed after step 3), selector pid 11.
    for (const s of [1, 2, 3]) c.add(rec('learner', s, { version: s, actorPid: 10 }));
    c.add(rec('actor.learner', 0, { sent: 16, actorPid: 10 }));
    c.add(rec('actor.selector', 0, { sent: 100, actorPid: 11 }));
    c.add(rec('actor.selector', 0, { sent: 120, actorPid: 11 })); // a later heartbeat of the same process
    // Resumed session: learner pid 20, selector pid 21.
    for (const s of [4, 5]) c.add(rec('learner', s, { version: s, actorPid: 20 }));
    c.add(rec('actor.learner', 0, { sent: 8, actorPid: 20 }));
    c.add(rec('actor.selector', 0, { sent: 30, actorPid: 21 }));
    expect(c.lastStep).toBe(5);
    expect(c.counter('sent', 'learner')).toBe(24);
    expect(c.counter('sent', 'selector')).toBe(150);
  });

  it('run summary - lost is sent − completed − outstanding and is not clamped at 0', () => {
    expect(requestLedger({ sent: 10, completed: 7, outstanding: 1, redelivered: 0, deadLettered: 0 }).lost).toBe(2);
    expect(requestLedger({ sent: 592, completed: 2613, outstanding: 0, redelivered: 0, deadLettered: 0 }).lost).toBe(-2021);
  });
});
