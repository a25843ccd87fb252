/**
 * Pull consumers read on demand: messages are taken in batches when the taker is ready for them,
 * never pushed. {@link consume$} drains its consumer as fast as messages arrive, so an actor whose
 * pipeline queues work (a `concatMap` behind a long synchronous generation) pulls the whole queue
 * up to the consumer's `max_ack_pending` while a second actor on the same consumer starves: two
 * rollout actors served 31 % and 69 % of a run's requests and made 1.18× one actor's tokens.
 * Here each consumer's iterator is advanced only while a `take` wants messages, and the client
 * pulls its next batch only when the iterator reaches it (nats.js queues the pull behind the
 * messages before it), so what an actor holds beyond the batch it works on is bounded per
 * consumer: a batch's worth arrived and waiting, plus one pull window in the client.
 *
 * Consumers are given in priority order: a batch is filled from the first consumer's messages
 * before the second's. The rollout actor lists train, sweep, probe: a learner's groups no longer
 * wait behind the selector's probes (a default run spent 490 of its 696 s with the learner
 * waiting for its groups while the actors probed).
 */
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

export interface OnDemandOptions {
  /** Messages per pull request: the most the client buffers per consumer beyond what it was asked for. */
  maxMessages: number;
  /** How long one pull request stays open, ms (≥ 1000). */
  expiresMs?: number;
  /** Delay before messages buffered at `stop` are redelivered, ms. */
  returnDelayMs?: number;
  /**
   * Told of each message as it arrives, before a `take` hands it out: a message can wait here
   * behind higher-priority ones, and its holder must keep it alive (in-progress acks) meanwhile.
   */
  onArrive?: (msg: JsMsg) => void;
}

interface Source {
  iter: AsyncIterator<JsMsg>;
  messages: ConsumerMessages;
  pulling: boolean;
  ended: boolean;
}

/** Several pull consumers, taken from in batches on demand, oldest arrival first. */
export class OnDemand {
  readonly #sources: Source[];
  /** Arrived and not yet taken, per consumer in priority order. */
  readonly #arrived: JsMsg[][];
  readonly #returnDelayMs: number;
  readonly #onArrive: ((msg: JsMsg) => void) | undefined;
  #failure: unknown;
  #stopped = false;
  #wake: (() => void) | undefined;

  private constructor(sources: Source[], o: OnDemandOptions) {
    this.#sources = sources;
    this.#arrived = sources.map(() => []);
    this.#returnDelayMs = o.returnDelayMs ?? 1_000;
    this.#onArrive = o.onArrive;
  }

  static async open(consumers: Consumer[], o: OnDemandOptions): Promise<OnDemand> {
    const sources = await Promise.all(
      consumers.map(async (c) => {
        const messages = await c.consume({ max_messages: o.maxMessages, ...(o.expiresMs ? { expires: o.expiresMs } : {}) });
        return { messages, iter: messages[Symbol.asyncIterator](), pulling: false, ended: false };
      }),
    );
    return new OnDemand(sources, o);
  }

  /** True once every consumer's iterator has ended (the connection closed) or `stop` was called. */
  get done(): boolean {
    return this.#stopped || this.#sources.every((s) => s.ended);
  }

  /**
   * Up to `max` messages: waits for the first (until `stop`, when it resolves with none), then
   * `lingerMs` more for others to fill the batch. Rejects when a consumer's iterator fails.
   */
  async take(max: number, lingerMs: number): Promise<JsMsg[]> {
    while (!this.#waiting && !this.done) await this.#waitForArrival(max);
    const deadline = performance.now() + lingerMs;
    while (this.#waiting < max && !this.done) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.#waitForArrival(max, left);
    }
    if (this.#failure !== undefined && !this.#waiting) throw this.#failure;
    const batch: JsMsg[] = [];
    for (const queue of this.#arrived) batch.push(...queue.splice(0, max - batch.length));
    return batch;
  }

  /** Messages arrived and not yet taken. */
  get #waiting(): number {
    return this.#arrived.reduce((a, q) => a + q.length, 0);
  }

  /** Stops every pull; messages buffered or arriving later are handed back after `returnDelayMs`. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const queue of this.#arrived) for (const m of queue.splice(0)) m.nak(this.#returnDelayMs);
    for (const s of this.#sources) {
      s.messages.stop();
      void this.#drain(s);
    }
    this.#wake?.();
  }

  /** Asks every idle consumer for its next message and waits for one to arrive (or `timeoutMs`). */
  async #waitForArrival(max: number, timeoutMs?: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    this.#sources.forEach((s, i) => {
      // A consumer whose own arrivals could fill the batch is not asked for more.
      if (this.#arrived[i]!.length < max) this.#advance(s, i);
    });
    if (this.#sources.every((s) => s.ended)) return;
    await new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(resolve, timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** At most one outstanding `next()` per iterator: one handler per pending promise, never a pile of them. */
  #advance(s: Source, i: number): void {
    if (s.pulling || s.ended || this.#stopped) return;
    s.pulling = true;
    s.iter.next().then(
      (r) => {
        s.pulling = false;
        if (r.done) s.ended = true;
        else if (this.#stopped) r.value.nak(this.#returnDelayMs);
        else {
          this.#arrived[i]!.push(r.value);
          this.#onArrive?.(r.value);
        }
        this.#wake?.();
        if (this.#stopped && !r.done) void this.#drain(s);
      },
      (e: unknown) => {
        s.pulling = false;
        s.ended = true;
        if (!this.#stopped) this.#failure = e;
        this.#wake?.();
      },
    );
  }

  /** After `stop` the iterator still yields what it had buffered: each goes back to the queue. */
  async #drain(s: Source): Promise<void> {
    if (s.pulling || s.ended) return;
    s.pulling = true;
    try {
      for (let r = await s.iter.next(); !r.done; r = await s.iter.next()) r.value.nak(this.#returnDelayMs);
    } catch {
      // the connection is gone: unacked messages come back after the ack wait
    } finally {
      s.ended = true;
    }
  }
}
