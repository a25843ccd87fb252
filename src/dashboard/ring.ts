/**
 * A fixed-capacity buffer that keeps the last `capacity` items pushed: the dashboard's memory
 * stays the same after a day of records as after an hour.
 */
export class Ring<T> {
  readonly #items: T[] = [];
  #next = 0;
  #dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Ring capacity: expected an integer ≥ 1, got ${capacity}`);
  }

  /** Items held now (≤ capacity). */
  get size(): number {
    return this.#items.length;
  }

  /** Items pushed out by newer ones so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Adds `item`, dropping the oldest one when full. */
  push(item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#dropped += 1;
  }

  /** The items held, oldest first. */
  toArray(): T[] {
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}
