/**
 * Where a run's rollouts went: how many continuations each kind of request had sampled (counted
 * once per request id, from the results stream), and how many of them the learner took gradient
 * steps on. `trainedShare` is the figure a saturated-problem run is paced by: probes and sweeps
 * only find prefixes; only trained rollouts move the policy.
 */
export interface RolloutCounts {
  probe: number;
  sweep: number;
  train: number;
  /** Any other kind (a foreign producer's, or an evaluation's). */
  other: number;
  total: number;
  /** Rollouts the learner trained on (of any kind; stale ones it dropped are not counted). */
  trained: number;
  /** trained / total (0 for an empty run). */
  trainedShare: number;
}

/** Tallies results by kind, one per request id, however often the stream holds an id. */
export class RolloutTally {
  private readonly seen = new Set<string>();
  private readonly byKind = { probe: 0, sweep: 0, train: 0, other: 0 };

  add(r: { requestId: string; kind: string; samples: readonly unknown[] }): void {
    if (this.seen.has(r.requestId)) return;
    this.seen.add(r.requestId);
    const kind = r.kind === 'probe' || r.kind === 'sweep' || r.kind === 'train' ? r.kind : 'other';
    this.byKind[kind] += r.samples.length;
  }

  /** Distinct request ids answered. */
  get answered(): ReadonlySet<string> {
    return this.seen;
  }

  counts(trained: number): RolloutCounts {
    const total = this.byKind.probe + this.byKind.sweep + this.byKind.train + this.byKind.other;
    return { ...this.byKind, total, trained, trainedShare: total ? +(trained / total).toFixed(4) : 0 };
  }
}
