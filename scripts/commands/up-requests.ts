import { unansweredQueued } from '../../src/bus/queued.ts';
import type { RunBus } from '../../src/bus/setup.ts';
import { decode } from '../../src/protocol/codec.ts';
import { RolloutTally } from '../../src/run/rollouts.ts';
import { requestLedger, type RunCollector } from '../../src/run/summary.ts';

/**
 * Request accounting at the end of a run (see {@link requestLedger}), from the broker's streams
 * and the counters of every actor process of the run (`c` must have read the whole metrics
 * stream, so a resumed run is counted whole); and the rollouts sampled per kind against those
 * trained on.
 */
export async function countRequests(bus: RunBus, c: RunCollector) {
  const tally = new RolloutTally();
  const ids = tally.answered;
  const info = await bus.jsm.streams.info(bus.names.streams.results);
  if (info.state.messages > 0) {
    const consumer = await bus.js.consumers.get(bus.names.streams.results);
    let left = info.state.messages;
    while (left > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(left, 1000), expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        got += 1;
        const r = decode(m.data, 'rollout.result');
        if (r.ok) tally.add(r.value);
      }
      if (got === 0) break;
      left -= got;
    }
  }
  const outstanding = await unansweredQueued(bus.jsm, bus.names.streams.requests, ids);
  const deadLettered = (await bus.jsm.streams.info(bus.names.streams.dead)).state.messages;
  const requests = requestLedger({
    sent: c.counter('sent', 'selector') + c.counter('sent', 'learner'),
    completed: ids.size,
    outstanding,
    redelivered: c.counter('redelivered', 'rollout'),
    deadLettered,
  });
  return { requests, rollouts: tally.counts(c.counter('trainedRollouts', 'learner')) };
}
