import type { Rollout } from '../grpo/index.ts';
import { countInBand, type PoolEntry } from '../pool/entry.ts';
import { DrawLag } from '../pool/lag.ts';
import type { RolloutRequest, RolloutResult } from '../protocol/messages.ts';
import type { RunConfig, SamplingConfig } from '../run/config.ts';
import { mulberry32 } from '../tasks/rng.ts';
import type { Task } from '../tasks/types.ts';
import { assembleBatch, informativeGroups, type StepBatch } from './batch.ts';
import { TrainLedger, type AnswerLimits } from './ledger.ts';
import { planRound } from './plan.ts';
import { trainRequests, type TrainRequest } from './requests.ts';

/** What the learner's step needs from the world: broker, trainer, clock. The actor wires them. */
export interface LearnerPorts<H> {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** The pool's entries as the learner sees them now (for the `saturated` source: the questions found saturated). */
  pool(): PoolEntry[];
  /** Whether no training request is queued or in work and no result waits undelivered (only then is a missing result re-sent). */
  requestsIdle(): Promise<boolean>;
  /** Publishes a request (retrying until stored) under `msgId`. */
  send(request: RolloutRequest, msgId: string): Promise<void>;
  /** Harvested probe and sweep groups (learner.harvestPerStep) sampled by `minVersion` or newer, as rollouts. */
  harvest(minVersion: number): { rollouts: Rollout[]; groups: number };
  /** One GRPO update on `rollouts`; returns its metrics. */
  train(rollouts: Rollout[], step: number): Promise<Record<string, number>>;
  /** Step `done.step` trained: publish its outputs; when `done.durable`, checkpoint first (the results are acked after). */
  commit(done: StepDone): Promise<void>;
  /** Acks results (they will not be delivered again). */
  ack(handles: H[]): void;
  /** Quarantines a result that does not answer its request, then acks it. */
  reject(result: RolloutResult, handles: H[], reason: string): Promise<void>;
  stopped(): boolean;
  count(name: string, by?: number): void;
  log: { info(details: object, message: string): void; warn(details: object, message: string): void };
}

/** A trained step, for the actor to publish and checkpoint. */
export interface StepDone {
  step: number;
  /** The policy version the step produced. */
  version: number;
  metrics: Record<string, number>;
  batch: StepBatch;
  /** The draw lag after the step (what the next draw adds to p̂). */
  drawLag: number;
  /** Checkpoint now: weights are published (if due) only after it, results acked only after it. */
  durable: boolean;
  /** Publish weights for `version` (after the checkpoint). */
  publish: boolean;
}

/** The learner's settings: the run config's `learner` section (GRPO aside) and what the step needs besides. */
export type LearnerSettings = Omit<RunConfig['learner'], 'grpo' | 'gradientWorkers'> & {
  run: string;
  task: Task;
  sampling: SamplingConfig;
  maxSteps: number;
  /** The selector's τ band and target, which draws aim at. */
  band: [number, number];
  tau: number;
  /** The policy's context: an answer that does not fit after its prompt answers another prompt. */
  contextLength: number;
  /** A request whose result has not come this long after it was (re)sent, with no request queued or in work, is sent again. */
  resendAfterMs: number;
};

/**
 * The learner's step loop, free of transport: plan a step from its prompt source (requests named
 * by their content), await its results (sending overdue ones again as new attempts; with
 * `dynamicFilter`, planning more rounds until enough groups are informative), drop stale ones,
 * train, hand the outputs to `commit`, and release the results for acking once the step is
 * durable. The next step's requests go out before this one trains, so sampling and training overlap.
 */
export class LearnerLoop<H> {
  step: number;
  version: number;
  readonly ledger: TrainLedger<H>;
  private readonly lag: DrawLag;
  private readonly planned = new Map<number, TrainRequest[]>();
  private readonly rounds = new Map<number, number>();
  private wake: () => void = () => undefined;

  constructor(
    private readonly ports: LearnerPorts<H>,
    private readonly s: LearnerSettings,
    start: { step: number; version: number },
  ) {
    this.step = start.step;
    this.version = start.version;
    this.ledger = new TrainLedger<H>(start.step, s.resendAfterMs);
    this.lag = new DrawLag(s.lagSteps);
  }

  private get limits(): AnswerLimits {
    return { contextLength: this.s.contextLength, version: this.version };
  }

  /** A training result arrived (with the handle that acks it). */
  async offer(result: RolloutResult, handle: H): Promise<void> {
    const verdict = this.ledger.offer(result, handle, this.limits);
    if (verdict.kind === 'mismatch') {
      this.ports.count('mismatched');
      await this.ports.reject(result, [handle], verdict.reason);
      return;
    }
    if (verdict.kind === 'done' || verdict.kind === 'foreign') {
      this.ports.count(verdict.kind === 'done' ? 'replaySkipped' : 'foreignResults');
      this.ports.ack([handle]);
      return;
    }
    if (verdict.kind === 'duplicate') this.ports.count('duplicates');
    this.wake();
  }

  /** Runs steps until `maxSteps` or a stop. */
  async run(): Promise<void> {
    const p = this.ports;
    while (this.step < this.s.maxSteps && !p.stopped()) {
      await this.waitForPool(this.step === 0);
      if (p.stopped()) break;
      const s = this.step + 1;
      // Drawn from an empty pool (a refresh retired every entry): wait for it again.
      if (!this.planned.has(s) && !(await this.send(s))) continue;
      let ids = this.planned.get(s)!.map((r) => r.request.id);
      if (!(await this.awaitResults(s, ids))) break;
      // Dynamic sampling: another round while too few groups are informative (at most maxRounds).
      while (this.wantsAnotherRound(s, ids) && (await this.send(s))) {
        ids = this.planned.get(s)!.map((r) => r.request.id);
        if (!(await this.awaitResults(s, ids))) return;
      }
      if (s + 1 <= this.s.maxSteps && !this.planned.has(s + 1)) await this.send(s + 1);
      await this.trainStep(s, ids);
    }
  }

  /** The results of step `s`'s requests `ids` (all in), each with its request. */
  private answered(s: number, ids: string[]) {
    const results = this.ledger.results(ids)!;
    return this.planned.get(s)!.map((r, i) => ({ group: r.group, request: r.request, result: results[i]! }));
  }

  private wantsAnotherRound(s: number, ids: string[]): boolean {
    if (!this.s.dynamicFilter) return false;
    const rounds = new Set(this.planned.get(s)!.map((r) => r.round)).size;
    return rounds < this.s.maxRounds && !informativeGroups(this.answered(s, ids), { ...this.s, version: this.version, want: this.s.promptsPerStep }).enough;
  }

  private async trainStep(s: number, ids: string[]): Promise<void> {
    const p = this.ports;
    const rounds = new Set(this.planned.get(s)!.map((r) => r.round)).size;
    let answered = this.answered(s, ids);
    const sampledGroups = answered.length;
    let filtered = { uninformative: 0, surplus: 0 };
    if (this.s.dynamicFilter) {
      const f = informativeGroups(answered, { ...this.s, version: this.version, want: this.s.promptsPerStep });
      // Out of rounds with no informative group: train on the step as sampled (its gradient is ~0) rather than stall.
      if (f.kept.length) [answered, filtered] = [f.kept, f];
      if (!f.enough) p.count('dynamicUnfilled');
      p.count('dynamicDropped', f.uninformative + f.surplus);
    }
    const batch = assembleBatch(answered, { version: this.version, maxStaleness: this.s.maxStaleness });
    p.count('stale', batch.stale);
    this.planned.delete(s);
    const harvested = p.harvest(this.version - this.s.maxStaleness);
    if (!batch.rollouts.length && !harvested.rollouts.length) {
      // Nothing to train on (every result stale): not a step. Plan it again with fresh requests.
      p.count('emptySteps');
      p.log.warn({ step: s, stale: batch.stale }, 'step had nothing to train on; planning it again');
      this.ledger.abandon(ids);
      return;
    }
    const rollouts = [...batch.rollouts, ...harvested.rollouts];
    const metrics = {
      ...(await p.train(rollouts, s)),
      harvestedGroups: harvested.groups,
      harvestedRollouts: harvested.rollouts.length,
      ...(this.s.dynamicFilter ? { rounds, sampledGroups, droppedUninformative: filtered.uninformative, droppedSurplus: filtered.surplus } : {}),
    };
    p.count('trainedRollouts', rollouts.length);
    p.count('harvestedGroups', harvested.groups);
    this.version += 1;
    this.step = s;
    this.lag.observe(batch.groups.filter((g) => g.source === 'prefix'));
    const publish = s % this.s.publishEvery === 0;
    const durable = publish || s % this.s.checkpointEvery === 0 || s === this.s.maxSteps;
    await p.commit({ step: s, version: this.version, metrics, batch, drawLag: this.lag.value, durable, publish });
    p.count('steps');
    p.count('completed', ids.length);
    if (durable) p.ack(this.ledger.durable(s));
  }

  /** Plans a round of step `s` and sends its requests (added to the step's); false when the source gave nothing to plan. */
  private async send(s: number): Promise<boolean> {
    const p = this.ports;
    const round = this.rounds.get(s) ?? 0;
    const aim = { band: this.s.band, tau: this.s.tau, width: this.s.drawWidth, shift: this.lag.value };
    const plan = planRound(this.s.source, { pool: p.pool(), task: this.s.task, run: this.s.run }, { ...this.s, aim, step: s, round }, mulberry32(s * 7919 + 1 + round * 104_729));
    if (!plan.length) return false;
    this.rounds.set(s, round + 1);
    // A step sent ahead is trained one update later: its samples must be recent enough for then,
    // or a slow rollout actor's whole batch would arrive stale and the step train on nothing.
    const trainedAtVersion = this.version + (s - this.step - 1);
    const requests = trainRequests(plan, { run: this.s.run, step: s, round, minPolicyVersion: Math.max(0, trainedAtVersion - this.s.maxStaleness), task: this.s.task, sampling: this.s.sampling, now: p.now() });
    this.ledger.plan(requests, p.now());
    this.planned.set(s, [...(this.planned.get(s) ?? []), ...requests]);
    // Results that came before the plan (a predecessor's, redelivered): checked now.
    for (const bad of this.ledger.reconcile(this.limits)) {
      p.count('mismatched');
      await p.reject(bad.result, bad.handles, bad.reason);
    }
    for (const r of requests) {
      await p.send(r.request, r.request.id);
      p.count('sent');
    }
    return true;
  }

  /** Waits until every result of `ids` is in, re-sending overdue requests; false on a stop. */
  private async awaitResults(s: number, ids: string[]): Promise<boolean> {
    const p = this.ports;
    while (!this.ledger.results(ids)) {
      if (p.stopped()) return false;
      await Promise.race([p.sleep(1_000), new Promise<void>((r) => (this.wake = r))]);
      const again = this.ledger.overdueCount(ids, p.now()) > 0 && (await p.requestsIdle()) ? this.ledger.overdue(ids, p.now()) : [];
      if (again.length) p.log.warn({ step: s, overdue: again.length, of: ids.length, attempt: again[0]!.request.attempt }, 'results overdue; re-sending their requests');
      for (const r of again) {
        await p.send(r.request, r.msgId);
        p.count('resent');
      }
    }
    return true;
  }

  /**
   * Every step wants minPool entries predicted in the τ band (p̂ + lag): training faster than the
   * selector finds prefixes only re-trains the few left, whose p̂ the policy has already pushed
   * out of band. It waits at most poolWaitSeconds for them (the first step without limit), then
   * trains on what there is (at least one entry), so a slow selector never stalls the run.
   */
  private async waitForPool(first: boolean): Promise<void> {
    const p = this.ports;
    // Fresh questions of a split are always there; saturated questions are all usable (no τ band).
    if (this.s.source === 'split') return;
    const started = p.now();
    const usable = () => (this.s.source === 'saturated' ? p.pool().length : countInBand(p.pool(), this.s.band, this.lag.value));
    const patient = () => first || p.now() - started < this.s.poolWaitSeconds * 1000;
    let told = started;
    while (!p.stopped() && (p.pool().length === 0 || (usable() < this.s.minPool && patient()))) {
      await p.sleep(250);
      // An empty pool is waited out however long it takes: say so, or a stalled run is silent.
      if (p.now() - told >= 30_000) {
        told = p.now();
        p.log.warn({ waitedSeconds: Math.round((told - started) / 1000), inBand: usable(), pool: p.pool().length }, 'still waiting for the pool');
      }
    }
    const waited = (p.now() - started) / 1000;
    if (waited >= 1) p.log.info({ waitedSeconds: +waited.toFixed(1), inBand: usable(), pool: p.pool().length }, 'waited for the pool');
    p.count('poolWaitSeconds', waited);
  }
}
