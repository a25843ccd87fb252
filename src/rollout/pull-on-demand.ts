import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/**
 * Work-queue messages of several pull consumers, pulled only as fast as they are served.
 *
 * `consume$` hands every message on at once, and the client's iterator asks the server for more as
 * soon as it has handed them on, so a rollout actor's pipeline (bufferTime → concatMap) queued
 * requests up to the consumer's max_ack_pending (256) while it was busy sampling: with two actors
 * the first to pull took most of a burst and the second sat idle (`bench bus`: 2 actors 0.90–1.78×
 * one), and requests queued past the ack wait were redelivered and sampled twice. Here each
 * consumer's iterator is held while `room` messages are waiting, so the client's next pull (it
 * rides the iterator) waits too: an actor holds at most the batch it serves, `room` waiting and one
 * message per consumer in flight.
 */
export class PullOnDemand {
  private readonly waiting: JsMsg[] = [];
  private readonly iterators: ConsumerMessages[] = [];
  private roomWaiters: (() => void)[] = [];
  private wake: (() => void) | undefined;
  private stopped = false;
  /** Settles when every consumer's iterator has ended. */
  readonly ended: Promise<void>;
  private started: Promise<void>;

  constructor(consumers: Consumer[], private readonly room: number, options: { expiresMs?: number; returnDelayMs?: number } = {}) {
    const returnDelayMs = options.returnDelayMs ?? 1_000;
    this.started = Promise.all(
      consumers.map(async (c) => {
        // One message per pull: what an actor prefetches is what another actor cannot serve.
        const it = await c.consume({ max_messages: 1, ...(options.expiresMs ? { expires: options.expiresMs } : {}) });
        if (this.stopped) it.stop();
        this.iterators.push(it);
        return it;
      }),
    ).then(() => undefined);
    this.ended = this.started.then(() =>
      Promise.all(
        this.iterators.map(async (it) => {
          for await (const msg of it) {
            // After a stop the iterator still drains what it had buffered: hand those back.
            if (this.stopped) {
              msg.nak(returnDelayMs);
              continue;
            }
            this.waiting.push(msg);
            this.wake?.();
            while (this.waiting.length >= this.room && !this.stopped) await new Promise<void>((r) => this.roomWaiters.push(r));
          }
        }),
      ).then(() => undefined),
    );
  }

  /**
   * The next batch: waits for a first message, then up to `gatherMs` for more (requests that arrive
   * together are sampled together), and takes at most `max`. Empty once stopped.
   */
  async take(max: number, gatherMs: number): Promise<JsMsg[]> {
    while (!this.waiting.length && !this.stopped) await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
    if (gatherMs > 0 && this.waiting.length < max && !this.stopped) await new Promise((r) => setTimeout(r, gatherMs));
    const batch = this.stopped ? [] : this.waiting.splice(0, max);
    for (const r of this.roomWaiters.splice(0)) r();
    return batch;
  }

  /** Stops pulling; messages waiting and not taken are handed back (nak) for another actor. */
  stop(returnDelayMs = 1_000): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const it of this.iterators) it.stop();
    for (const m of this.waiting.splice(0)) m.nak(returnDelayMs);
    for (const r of this.roomWaiters.splice(0)) r();
    this.wake?.();
  }
}
