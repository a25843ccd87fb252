/**
 * Remembering which request ids were already handled, so a redelivered request (its actor died
 * before acking) or a duplicated result is not counted twice. Memory is bounded: the set keeps
 * the most recently seen `capacity` ids and forgets the oldest, which is safe as long as
 * duplicates arrive within that many messages of the original (redeliveries come after one ack
 * wait, so size it to a few ack-waits' worth of traffic).
 */
import { filter, type MonoTypeOperatorFunction } from 'rxjs';

/** A bounded least-recently-seen set of ids. */
export class SeenSet {
  // A Map iterates in insertion order, so its first key is the least recently seen id.
  readonly #ids = new Map<string, true>();

  constructor(
    /** Most ids remembered. */
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity: expected an integer ≥ 1, got ${capacity}`);
    }
  }

  /** Ids currently remembered (never more than `capacity`). */
  get size(): number {
    return this.#ids.size;
  }

  /** True if `id` was seen (and not yet forgotten). Does not refresh it. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /**
   * Records `id`; returns true if it is new, false if it was already remembered (a duplicate).
   * Either way `id` becomes the most recently seen.
   */
  add(id: string): boolean {
    const seen = this.#ids.delete(id);
    this.#ids.set(id, true);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.keys().next().value as string;
      this.#ids.delete(oldest);
    }
    return !seen;
  }

  /** Forgets `id`, e.g. when handling it failed and a redelivery should be processed. */
  delete(id: string): boolean {
    return this.#ids.delete(id);
  }
}

/**
 * Lets through only items whose `key` was not seen before; for each duplicate calls
 * `onDuplicate` (typically to ack it: it was handled already). Ids are recorded on arrival, so
 * two copies in flight at once are still caught; if handling an item fails and it is nak'ed for
 * another try, `seen.delete(key)` first, or the retry would be skipped as a duplicate.
 *
 * @example
 * decoded$.pipe(skipDuplicates(seen, ({ value }) => value.requestId, ({ msg }) => msg.ack()))
 */
export function skipDuplicates<T>(
  seen: SeenSet,
  key: (item: T) => string,
  onDuplicate?: (item: T) => void,
): MonoTypeOperatorFunction<T> {
  return filter((item: T) => {
    if (seen.add(key(item))) return true;
    onDuplicate?.(item);
    return false;
  });
}
