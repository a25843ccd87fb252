/**
 * A synchronous driver for a sweep, for callers that can answer a batch on the spot: simulations,
 * benchmarks, offline curves. Actors drive the sweep themselves, asynchronously, over the bus.
 */
import { PrefixArgumentError } from './errors.ts';
import {
  isDone,
  nextRequests,
  recordResults,
  type SweepCandidateState,
  type SweepRequest,
  type SweepState,
} from './sequential.ts';

/** Runs one batch: how many of the `request.samples` continuations of the prefix were correct. */
export type SweepOracle = (request: SweepRequest, candidate: SweepCandidateState) => number;

/**
 * Runs `state` to completion in rounds: each round sends every request `nextRequests` gives,
 * then records all answers, as an actor dispatching a round in parallel would. A prefix ruled
 * out by an answer earlier in the round still has its batch of that round counted, because in
 * parallel dispatch those rollouts were already spent.
 */
export function runSweep(state: SweepState, oracle: SweepOracle): SweepState {
  let s = state;
  while (!isDone(s)) {
    const requests = nextRequests(s);
    if (requests.length === 0) {
      // Only batches marked in flight remain, and nothing here will ever answer them.
      const expected = 'a sweep with a batch not in flight';
      throw new PrefixArgumentError('state', expected, 'every batch in flight');
    }
    for (const r of requests) {
      s = recordResults(s, r.index, oracle(r, s.candidates[r.index]), r.samples);
    }
  }
  return s;
}
