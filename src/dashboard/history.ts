import { Ring } from './ring.ts';

/** A metric name's family: `refresh.drift` → `refresh`, `pool` → `pool`. */
export function metricFamily(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/**
 * The records a dashboard keeps for the page's history: the last `capacity` of each family it
 * draws, in arrival order. A ring per family, not one for all, because a run publishes several
 * `groups.*` and `actor.*` records per step and a `pool` record every 2 s: sharing one ring, they
 * would push the few per-step `variance` and `learner` records (the charts) out within hours.
 * Families not listed are not kept (they still go to live viewers).
 */
export class History<T> {
  readonly #rings = new Map<string, Ring<{ seq: number; item: T }>>();
  #seq = 0;

  constructor(families: Iterable<string>, readonly capacity: number) {
    for (const f of families) this.#rings.set(f, new Ring(capacity));
  }

  /** Keeps `item` if metric `name`'s family is kept; says whether it was. */
  add(name: string, item: T): boolean {
    const ring = this.#rings.get(metricFamily(name));
    if (!ring) return false;
    this.#seq += 1;
    ring.push({ seq: this.#seq, item });
    return true;
  }

  /** Items held now, over every family. */
  get size(): number {
    let n = 0;
    for (const r of this.#rings.values()) n += r.size;
    return n;
  }

  /** The items held, in the order they were added. */
  toArray(): T[] {
    return [...this.#rings.values()]
      .flatMap((r) => r.toArray())
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.item);
  }
}
