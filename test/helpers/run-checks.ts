import type { NatsConnection } from '@nats-io/transport-node';
import { unansweredQueued } from '../../src/bus/queued.ts';
import type { RunBus } from '../../src/bus/setup.ts';
import { readStream } from './streams.ts';

/** Results per request id in the results stream, and the latest counters each actor published. */
export async function runLedger(nc: NatsConnection, bus: RunBus) {
  const results = await readStream(nc, bus.names.streams.results, 'rollout.result');
  const perRequest = new Map<string, number>();
  for (const r of results) perRequest.set(r.requestId, (perRequest.get(r.requestId) ?? 0) + 1);
  const metrics = await readStream(nc, bus.names.streams.metrics, 'metrics.record');
  const actorCounters = new Map<string, Record<string, number>>();
  for (const m of metrics) if (m.name.startsWith('actor.')) actorCounters.set(`${m.name}:${m.values.actorPid}`, m.values);
  const sum = (kind: string, name: string) => [...actorCounters].filter(([k]) => k.startsWith(`actor.${kind}:`)).reduce((a, [, v]) => a + (v[name] ?? 0), 0);
  const outstanding = await unansweredQueued(bus.jsm, bus.names.streams.requests, perRequest);
  // Served twice, counted by the actors themselves (the results stream's dedup window hides a
  // second execution): rollout executions beyond one per answered request that no redelivery
  // (an actor died or an ack was lost) or re-issue (a requester sent it again) explains.
  const unexplainedReruns = sum('rollout', 'handled') - perRequest.size - sum('rollout', 'redelivered') - sum('selector', 'resent') - sum('learner', 'resent');
  return { results, perRequest, metrics, sum, outstanding, unexplainedReruns };
}
