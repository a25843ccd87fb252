/**
 * Sending metrics so that a broker outage loses none: records are encoded (so validated) when
 * queued, then published one at a time through JetStream, each retried with its own id until the
 * metrics stream stores it. Core publishes made while the broker was down were gone (steps 19 and
 * 23 of a chaos run had no record, so the summary, the dashboard and any replay missed them).
 * Live readers still see every record: a JetStream publish is a message on the subject.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { encode } from '../protocol/codec.ts';
import type { MetricsRecord } from '../protocol/messages.ts';
import { retrying } from './retry.ts';

/** Options of {@link MetricsOutbox}. */
export interface MetricsOutboxOptions {
  /** Most records held while the broker is away; the oldest are dropped (and counted) beyond it. */
  capacity?: number;
  /** Told of each try that failed (the broker is away), with how many records wait. */
  onRetry?: (error: unknown, waiting: number) => void;
}

/** An ordered, bounded queue of metrics records, published through JetStream with retries. */
export class MetricsOutbox {
  private readonly queue: Array<{ subject: string; id: string; data: Uint8Array }> = [];
  private readonly capacity: number;
  private pumping: Promise<void> | undefined;
  private closed = false;
  /** Records dropped because the queue was full. */
  dropped = 0;
  /** Records the metrics stream confirmed. */
  sent = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: MetricsOutboxOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
  }

  /** Queues `record` for `subject`; throws (at once) if the record is invalid. Its `id` is its dedup id. */
  push(subject: string, record: MetricsRecord): void {
    const data = encode(record);
    if (this.closed) return;
    this.queue.push({ subject, id: record.id, data });
    while (this.queue.length > this.capacity) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** How many records wait to be stored. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once every queued record is stored, or after `ms`; true when nothing is left. */
  async flush(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.queue.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.queue.length === 0;
  }

  /** Stops sending (what is left is dropped): call after {@link flush}, before the connection closes. */
  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const head = this.queue[0]!;
      try {
        await retrying(() => this.js.publish(head.subject, head.data, { msgID: head.id, timeout: 5_000 }), {
          totalMs: Infinity,
          attemptMs: 10_000,
          giveUp: () => this.closed,
          onRetry: (e, tries) => tries % 10 === 1 && this.options.onRetry?.(e, this.queue.length),
        });
        this.sent += 1;
      } catch {
        return; // closed while the broker was away
      }
      if (this.queue[0] === head) this.queue.shift();
    }
  }
}
