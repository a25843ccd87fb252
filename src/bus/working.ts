/**
 * In-progress acks. A JetStream message not acked within the consumer's `ack_wait` is redelivered
 * — to another actor, which then works on it too, and each redelivery uses up one of its
 * `max_deliver` deliveries. An actor that takes messages it cannot start at once (they wait for
 * the batch before them, or for weights) sends `+WPI` (`msg.working()`) for each of them
 * regularly, from the moment it takes them until it acks or gives them back.
 */

/** Messages an actor holds; each gets `working()` every `everyMs` until it is let go. */
export class InProgress<M extends { working(): void }> {
  readonly #msgs = new Set<M>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(everyMs: number) {
    this.#timer = setInterval(() => this.touch(), everyMs);
  }

  /**
   * Sends `working()` for every held message now. Call it before work that blocks the event loop
   * (a synchronous generation): the timer cannot fire meanwhile, so each message gets the whole
   * ack wait from here.
   */
  touch(): void {
    for (const m of this.#msgs) m.working();
  }

  /** Messages held now. */
  get size(): number {
    return this.#msgs.size;
  }

  hold(msg: M): void {
    this.#msgs.add(msg);
  }

  /** Call once `msg` is acked, nak'ed or terminated. */
  release(msg: M): void {
    this.#msgs.delete(msg);
  }

  /** Stops the timer (the owner's end); held messages are left to their ack wait. */
  stop(): void {
    clearInterval(this.#timer);
    this.#msgs.clear();
  }
}
