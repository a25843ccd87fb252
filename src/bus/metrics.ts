/**
 * Reading a run's metrics as an observer (`saturn monitor`, a dashboard): live from the core
 * subjects, or from the start of the run's metrics stream. Read-only: nothing is published and
 * no run resource is created — a replay reads through an ephemeral ordered consumer (no acks,
 * removed by the server 5 minutes after it goes idle).
 */
import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Observable } from 'rxjs';
import { runNames } from '../protocol/subjects.ts';
import type { RawMsg } from './decode-or-dead-letter.ts';
import { BusSetupError, RunNotFoundError } from './errors.ts';
import { consume$, subscribe$ } from './observable.ts';

/** Options of {@link metrics$}. */
export interface Metrics$Options {
  /** Start from the first record the metrics stream still holds, then follow live ones. */
  replay?: boolean;
}

/**
 * The raw metrics messages of run `run` (every `saturn.<run>.metrics.>` subject), undecoded.
 * Rejects with {@link RunNotFoundError} when the broker has no metrics stream for the run, and
 * with {@link BusSetupError} when JetStream is not available. Live messages start once the
 * returned Observable is subscribed (flush the connection to be sure the server knows).
 *
 * @example
 * (await metrics$(nc, 'exp1', { replay: true })).subscribe((m) => decode(m.data, 'metrics.record'));
 */
export async function metrics$(nc: NatsConnection, run: string, options: Metrics$Options = {}): Promise<Observable<RawMsg>> {
  const names = runNames(run);
  const jsm = await jetstreamManager(nc).catch((err) => {
    throw new BusSetupError('JetStream', `not available at ${nc.getServer()}: ${(err as Error).message}`, { cause: err });
  });
  try {
    await jsm.streams.info(names.streams.metrics);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.apiError().err_code === JetStreamApiCodes.StreamNotFound) {
      throw new RunNotFoundError(run, nc.getServer(), names.streams.metrics);
    }
    throw new BusSetupError(`stream ${names.streams.metrics}`, `cannot read: ${(err as Error).message}`, { cause: err, retryable: true });
  }
  if (!options.replay) return subscribe$(nc, names.subjects.allMetrics);
  // The stream binds exactly the metrics subjects, so the consumer needs no filter (and so no
  // 2.10-only filter_subjects).
  const consumer = await jsm.jetstream().consumers.get(names.streams.metrics, { deliver_policy: DeliverPolicy.All });
  return consume$(consumer);
}
