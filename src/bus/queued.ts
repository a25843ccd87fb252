import type { JetStreamManager } from '@nats-io/jetstream';
import { decode } from '../protocol/codec.ts';
import { withTimeout } from './retry.ts';

/**
 * The ids of the requests still waiting in a work-queue stream. A request re-sent after a broker
 * restart is not deduplicated (the server rebuilds its duplicate window from the messages it still
 * holds, and an answered request has left the queue), so the queue can hold a second copy of a
 * request already answered: counting messages would count that request twice. Reads by sequence
 * (a work queue admits no second consumer); gaps left by acked messages are skipped.
 */
export async function queuedRequestIds(jsm: JetStreamManager, stream: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const { state } = await jsm.streams.info(stream);
  let found = 0;
  for (let seq = state.first_seq; found < state.messages && seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m) continue;
    found += 1;
    const r = decode(m.data, 'rollout.request');
    ids.add(r.ok ? r.value.id : `undecodable:${seq}`);
  }
  return ids;
}

/** How many distinct requests are still queued and not among `answered`: the run's outstanding work. */
export async function unansweredQueued(jsm: JetStreamManager, stream: string, answered: { has(id: string): boolean }): Promise<number> {
  return [...(await queuedRequestIds(jsm, stream))].filter((id) => !answered.has(id)).length;
}

/**
 * Whether a consumer has nothing left to deliver (`num_pending`) and, unless `delivered` is
 * false, nothing delivered and unacked either. A requester re-issues a missing result only when
 * its kind's `rollout_<kind>` consumer is idle (while requests wait in the queue a missing result
 * may simply be behind them) and its own results consumer has nothing waiting (the result may
 * be there, not yet handled). Re-issuing earlier only adds work: on a loaded machine, re-issues
 * every 9 s fed the queue they were waiting on. False when the broker does not answer.
 */
export async function consumerIdle(jsm: JetStreamManager, stream: string, consumer: string, o: { delivered?: boolean } = {}): Promise<boolean> {
  try {
    const info = await withTimeout(jsm.consumers.info(stream, consumer), 5_000);
    return info.num_pending + (o.delivered === false ? 0 : info.num_ack_pending) === 0;
  } catch {
    return false;
  }
}
