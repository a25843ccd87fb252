import type { MetricsRecord } from '../protocol/messages.ts';

/** Informativeness of a family of groups (original questions, or selected prefixes). */
export interface GroupFamily {
  groups: number;
  /** Share of groups whose rewards are not all equal. */
  informativeShare: number;
  /** Mean over groups of the reward std (population std, p(1−p) for 0/1 rewards). */
  meanRewardStd: number;
  meanReward: number;
}

/** The cause of a refresh event (`refresh.<cause>` records, published by the controller), else undefined. */
export function refreshCause(r: MetricsRecord): string | undefined {
  return r.name.startsWith('refresh.') ? r.name.slice('refresh.'.length) : undefined;
}

/** The run's request accounting (the `requests` of `saturn up`'s summary). */
export interface RequestLedger {
  /** Requests the selector and learner processes issued (re-issues of one request not counted). */
  sent: number;
  /** Distinct request ids with a result in the results stream. */
  completed: number;
  /** Distinct ids still queued and not answered. */
  outstanding: number;
  /** Requests served more than once (redelivered to a rollout actor). */
  redelivered: number;
  deadLettered: number;
  /**
   * sent − completed − outstanding, not clamped: negative means more answered than the counters
   * say were sent (counters lost with a killed process, or results nobody asked for), which a
   * clamp at 0 hid, so the loss check meant nothing after a resume.
   */
  lost: number;
}

export function requestLedger(r: Omit<RequestLedger, 'lost'>): RequestLedger {
  return { ...r, lost: r.sent - r.completed - r.outstanding };
}

/**
 * Folds the run's metrics stream into what the summary and the live view show. Bounded state.
 * Fed the whole stream (a replay), it describes the whole run: after `--resume` the counters of
 * the first processes and of their successors are summed, each process by its pid.
 */
export class RunCollector {
  private readonly families = { original: { n: 0, informative: 0, std: 0, mean: 0 }, prefix: { n: 0, informative: 0, std: 0, mean: 0 } };
  readonly refreshes: Array<{ cause: string; step: number; questions: number }> = [];
  /** Latest values per metric name, and per actor (by pid) for actor counters. */
  readonly latest = new Map<string, Record<string, number>>();
  readonly actors = new Map<string, Record<string, number>>();
  lastStep = 0;

  add(r: MetricsRecord): void {
    const cause = refreshCause(r);
    if (r.name === 'groups.original' || r.name === 'groups.prefix') {
      const f = this.families[r.name === 'groups.original' ? 'original' : 'prefix'];
      f.n += 1;
      f.informative += r.values.informative ?? 0;
      f.std += r.values.std ?? 0;
      f.mean += r.values.mean ?? 0;
    } else if (cause !== undefined) {
      this.refreshes.push({ cause, step: r.step, questions: r.values.questions ?? 0 });
    } else if (r.name.startsWith('actor.')) {
      this.actors.set(`${r.name}:${r.values.actorPid}`, r.values);
    } else {
      this.latest.set(r.name, r.values);
      if (r.name === 'learner') this.lastStep = Math.max(this.lastStep, r.step);
    }
  }

  family(which: 'original' | 'prefix'): GroupFamily {
    const f = this.families[which];
    const d = Math.max(1, f.n);
    return { groups: f.n, informativeShare: f.informative / d, meanRewardStd: f.std / d, meanReward: f.mean / d };
  }

  /** Sum of one counter over every actor of a kind (or all kinds). */
  counter(name: string, kind?: string): number {
    let total = 0;
    for (const [key, values] of this.actors) if (!kind || key.startsWith(`actor.${kind}:`)) total += values[name] ?? 0;
    return total;
  }
}
