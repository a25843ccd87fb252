import { createSweep, cutPrefixes, inBand, isDone, isSaturated, markRequested, nextRequests, recordResults, sweepSelection, wilsonInterval, type Prefix } from '../prefix/index.ts';
import { countInBand, foldObservation, predictedPHat, type PoolEntry } from '../pool/entry.ts';
import type { Question, Task } from '../tasks/types.ts';
import type { PendingSweep, SelectorOutput, SelectorSettings, SelectorState } from './state.ts';

// The selector's pure steps: each takes the state and one event and returns the outputs for the
// actor to carry out (publish requests, write the pool KV, publish metrics). The state object is
// updated in place (it is the actor's private state), outputs are new values.

/**
 * Probes new questions while the pool's in-band entries (by p̂ + lag, as the learner draws them)
 * plus work in progress are below the pool target. Entries whose p̂ has left the band do not
 * count: they wait for the controller to have them rebuilt, and the learner hardly draws them, so
 * counting them would stop the supply exactly when the policy has learnt past its prefixes. The
 * whole pool stays under twice the target: when that cap is what stops the supply, the entries
 * predicted farthest out of band are evicted to make room. The controller rebuilds an entry only
 * once its raw p̂ has left the band with evidence, so without eviction a pool full of prefixes the
 * learner no longer draws (p̂ 0.6–0.7, lag 0.2) stalled it for 20 s a step.
 *
 * New questions are paced by the learner (`probesPerStep` per policy version after the first
 * `probeQuestions`): supply is wanted per step, not per second, and unpaced a slow learner let the
 * selector probe three times the questions of a run whose steps came faster. Pacing is lifted
 * only where the learner cannot take a step (so its version cannot grow): before step 1 while the
 * pool lacks `learnerMinPool` in-band entries (paced probing deadlocked a run there), and when
 * the pool is empty.
 */
export function topUp(s: SelectorState, c: SelectorSettings, task: Task, policyVersion = 0): SelectorOutput[] {
  if (c.mode === 'off') return [];
  if (c.mode === 'probe') return topUpSaturated(s, c, task);
  const recuts = c.recut ? recutLearntPast(s, c, task) : [];
  const inProgress = s.sweeps.size + s.probing.size;
  const usable = countInBand(s.pool.values(), c.band, s.lag.value);
  // The learner cannot advance (so the allowance cannot grow) before step 1 without minPool
  // in-band entries, and later with an empty pool: only then is pacing lifted. Lifted whenever
  // usable < minPool, a paced run (6 a step) still probed 700 questions in 30 steps.
  const learnerWaits = policyVersion === 0 ? usable < c.learnerMinPool : s.pool.size === 0;
  const allowance = c.probesPerStep > 0 && !learnerWaits ? c.probeQuestions + c.probesPerStep * policyVersion - s.probesStarted : Infinity;
  const wanted = Math.min(c.probeQuestions - s.probing.size, c.poolTarget - usable - inProgress, allowance);
  if (wanted <= 0) return recuts;
  const room = () => 2 * c.poolTarget - s.pool.size - inProgress;
  const evicted = evict(s, c, wanted - room());
  const want = Math.min(wanted, room());
  if (want <= 0) return [...recuts, ...evicted];
  const questions = task.generate(c.split, s.nextQuestion + want, c.questionSeed).slice(s.nextQuestion);
  s.nextQuestion += want;
  s.probesStarted += want;
  return [...recuts, ...evicted, ...questions.filter((q) => !s.pool.has(q.id) && !s.sweeps.has(q.id)).map((q) => probe(s, c, q, 0))];
}

/**
 * Sweeps the later cuts of every idle entry predicted above the band, as its next generation.
 * In default runs most entries left the band upwards within a few training groups and new
 * questions replaced them at ~900 rollouts per in-band entry (probes at 32 a question, a fifth
 * saturated, a fifth of those with a cut in band); a later cut of the same failure costs one
 * sweep. The entry stays drawable until the sweep ends: replaced when a cut is in band, retired
 * when none is (onSweepResult). Only entries trained on since their sweep: a fresh entry's p̂ is
 * the sweep's own pick, and recutting it again would walk it down the cuts on no new evidence.
 */
function recutLearntPast(s: SelectorState, c: SelectorSettings, task: Task): SelectorOutput[] {
  const learntPast = [...s.pool.values()].filter(
    // An entry at the last cut has none later: skipped before its failure is re-encoded on every top-up.
    (e) => trainedOn(e) && e.fraction < c.fractions.at(-1)! && predictedPHat(e, s.lag.value) > c.band[1] && !s.probing.has(e.questionId) && !s.sweeps.has(e.questionId),
  );
  return learntPast.flatMap((e) => {
    const prefixes = cutPrefixes(task.tokenizer.encode(e.sourceFailure), c.fractions).filter((x) => x.length > e.prefix.length);
    if (!prefixes.length) return [];
    s.counters.recuts += 1;
    const question = { id: e.questionId, split: e.split, prompt: e.prompt, answer: e.answer };
    return startSweep(s, c, task, question, e.sourceFailure, prefixes, e.generation + 1);
  });
}

/**
 * Probe mode: probes new questions until the pool bucket holds poolTarget questions found
 * saturated (counting the probes in flight as if each would be). A fixed set, as the paper's
 * baseline builds it: no refresh, no re-probe, no eviction; the learner trains on it as it grows.
 */
function topUpSaturated(s: SelectorState, c: SelectorSettings, task: Task): SelectorOutput[] {
  const want = Math.min(c.probeQuestions - s.probing.size, c.poolTarget - s.pool.size - s.probing.size);
  if (want <= 0) return [];
  const questions = task.generate(c.split, s.nextQuestion + want, c.questionSeed).slice(s.nextQuestion);
  s.nextQuestion += want;
  s.probesStarted += want;
  return questions.filter((q) => !s.pool.has(q.id)).map((q) => probe(s, c, q, 0));
}

/** Removes up to `count` entries predicted out of band, farthest from τ first (none under refresh). */
function evict(s: SelectorState, c: SelectorSettings, count: number): SelectorOutput[] {
  if (count <= 0) return [];
  const distance = (e: PoolEntry) => Math.abs(predictedPHat(e, s.lag.value) - c.tau);
  const victims = [...s.pool.values()]
    .filter((e) => !inBand(predictedPHat(e, s.lag.value), c.band) && !s.probing.has(e.questionId) && !s.sweeps.has(e.questionId))
    .sort((a, b) => distance(b) - distance(a))
    .slice(0, count);
  for (const e of victims) s.pool.delete(e.questionId);
  s.counters.evicted += victims.length;
  return victims.map((e) => ({ type: 'pool-delete', questionId: e.questionId, reason: 'evicted: predicted out of band' }));
}

/** Re-probes pool questions with the current policy so their entries can be rebuilt (all when ids is empty). */
export function onRefresh(s: SelectorState, c: SelectorSettings, questionIds: string[]): SelectorOutput[] {
  // Only the method's pool has a refresh curriculum: the saturated baseline's set stays as found.
  if ((c.mode ?? 'pool') !== 'pool') return [];
  const ids = questionIds.length ? questionIds : [...s.pool.keys()];
  return ids.flatMap((id) => {
    const entry = s.pool.get(id);
    if (!entry || s.probing.has(id) || s.sweeps.has(id)) return [];
    return [probe(s, c, { id, split: entry.split, prompt: entry.prompt, answer: entry.answer }, entry.generation + 1)];
  });
}

function probe(s: SelectorState, c: SelectorSettings, question: Question, generation: number): SelectorOutput {
  s.probing.set(question.id, { question, generation });
  return { type: 'request', request: { kind: 'probe', key: `${question.id}:g${generation}`, groupId: `${question.id}#${generation}`, question, prefix: new Int32Array(), n: c.probeSamples } };
}

/**
 * A probe answered: a saturated question gets a prefix sweep of its first failure. (No separate
 * fresh group of the plain question is sampled for comparison: the learner's own original groups
 * are that baseline, and those 16 rollouts per saturated question trained nothing.)
 */
export function onProbeResult(
  s: SelectorState,
  c: SelectorSettings,
  task: Task,
  r: { questionId: string; groupId: string; rewards: number[]; completions: Int32Array[]; policyVersion?: number },
  now = 0,
): SelectorOutput[] {
  const probing = s.probing.get(r.questionId);
  if (!probing) return []; // a duplicate or a probe of a question already handled
  s.probing.delete(r.questionId);
  s.counters.probed += 1;
  const failureAt = r.rewards.findIndex((x) => x === 0);
  if (!isSaturated(r.rewards, { minCorrect: c.minCorrect }) || failureAt < 0) {
    s.counters.notSaturated += 1;
    const existing = s.pool.get(r.questionId);
    if (!existing) return [];
    // A pool question whose re-probe finds it no longer saturated: its prefix no longer describes the policy.
    s.pool.delete(r.questionId);
    s.counters.retired += 1;
    return [{ type: 'pool-delete', questionId: r.questionId, reason: r.rewards.every((x) => x === 1) ? 'solved' : 'not saturated' }];
  }
  s.counters.saturated += 1;
  const failure = r.completions[failureAt]!;
  if (c.mode === 'probe') return [saturatedEntry(s, probing.question, r.rewards, task.tokenizer.decode(failure), r.policyVersion ?? 0, now)];
  const prefixes = cutPrefixes(failure, c.fractions);
  if (!prefixes.length) return [];
  return startSweep(s, c, task, probing.question, task.tokenizer.decode(failure), prefixes, probing.generation);
}

const trainedOn = (e: PoolEntry) => e.observations > e.selection.trials;

function startSweep(s: SelectorState, c: SelectorSettings, task: Task, question: Question, failureText: string, prefixes: Prefix[], generation: number): SelectorOutput[] {
  const pending: PendingSweep = {
    question,
    failureText,
    prefixes,
    prefixTexts: prefixes.map((x) => task.tokenizer.decode(x.tokens)),
    sweep: createSweep({ candidates: prefixes, tau: sweepTarget(s, c), maxTrials: c.sweepSamples, batch: c.sweepBatch, sequential: c.sequential, z: c.sweepZ, band: c.band, monotone: c.monotone }),
    generation,
    batches: prefixes.map(() => 0),
  };
  s.sweeps.set(question.id, pending);
  return sweepRequests(pending, c);
}

/**
 * The p̂ a sweep aims its selection at: τ − lag, inside the band. A prefix chosen at p̂ = τ comes
 * back from training lag higher (≈ 0.1–0.2 once the policy learns: it learns between the sweep
 * and the sampling), so a sweep aimed at τ fills the pool with entries the learner finds above τ
 * when it draws them by p̂ + lag. Aimed lower, fresh entries are near τ when they are trained on.
 */
export function sweepTarget(s: SelectorState, c: SelectorSettings): number {
  return Math.min(c.band[1], Math.max(c.band[0], c.tau - s.lag.value));
}

function sweepRequests(p: PendingSweep, c: SelectorSettings): SelectorOutput[] {
  const wanted = nextRequests(p.sweep);
  p.sweep = markRequested(p.sweep, wanted);
  return wanted.map((w) => {
    const batch = p.batches[w.index]!++;
    const id = p.question.id;
    return {
      type: 'request',
      request: { kind: 'sweep', key: `${id}:g${p.generation}:c${w.index}:b${batch}`, groupId: `${id}#${p.generation}@${w.index}`, question: p.question, prefix: p.prefixes[w.index]!.tokens, n: w.samples },
    } satisfies SelectorOutput;
  });
}

/**
 * Probe mode: a question found saturated, as a pool entry with an empty prefix — its p̂ is the
 * probe's plain accuracy, its source failure the probe's first wrong answer. The learner of the
 * `saturated` source trains on these questions, without prefix.
 */
function saturatedEntry(s: SelectorState, q: Question, rewards: number[], failureText: string, policyVersion: number, now: number): SelectorOutput {
  const successes = rewards.reduce((a, x) => a + x, 0);
  const w = wilsonInterval(successes, rewards.length);
  const entry: PoolEntry = {
    questionId: q.id,
    split: q.split,
    prompt: q.prompt,
    answer: q.answer,
    prefix: [],
    prefixText: '',
    fraction: 0,
    sourceFailure: failureText,
    selection: { successes, trials: rewards.length },
    pHat: successes / rewards.length,
    low: w.low,
    high: w.high,
    observations: rewards.length,
    recent: [{ successes, trials: rewards.length, policyVersion }],
    policyVersion,
    generation: 0,
    createdAt: now,
    updatedAt: now,
  };
  s.pool.set(q.id, entry);
  return { type: 'pool-put', entry };
}

/** A sweep batch answered: more batches, or the selection written to the pool. */
export function onSweepResult(s: SelectorState, c: SelectorSettings, r: { questionId: string; candidate: number; rewards: number[]; policyVersion: number }, now: number): SelectorOutput[] {
  const p = s.sweeps.get(r.questionId);
  if (!p || r.candidate < 0 || r.candidate >= p.prefixes.length) return [];
  const successes = r.rewards.reduce((a, x) => a + x, 0);
  p.sweep = recordResults(p.sweep, r.candidate, successes, r.rewards.length);
  s.counters.sweepRollouts += r.rewards.length;
  if (!isDone(p.sweep)) return sweepRequests(p, c);
  s.sweeps.delete(r.questionId);
  s.counters.sweepsDone += 1;
  const chosen = sweepSelection(p.sweep);
  const previous = s.pool.get(r.questionId);
  if (!chosen || !inBand(chosen.successes / chosen.trials, c.band)) {
    s.counters.selectedOutOfBand += 1;
    // Which side tells the operator what to change: above, the policy recovers from every cut
    // (it has learnt these failures); below, the failure is a cliff (no cut leaves a chance).
    if (chosen && chosen.successes / chosen.trials > c.band[1]) s.counters.outOfBandAbove += 1;
    else s.counters.outOfBandBelow += 1;
    if (!previous) return [];
    s.pool.delete(r.questionId);
    s.counters.retired += 1;
    return [{ type: 'pool-delete', questionId: r.questionId, reason: 'no prefix in band' }];
  }
  s.counters.selectedInBand += 1;
  if (previous) s.counters.rebuilt += 1;
  const prefix = p.prefixes[chosen.index]!;
  const w = wilsonInterval(chosen.successes, chosen.trials);
  const entry: PoolEntry = {
    questionId: p.question.id,
    split: p.question.split,
    prompt: p.question.prompt,
    answer: p.question.answer,
    prefix: Array.from(prefix.tokens),
    prefixText: p.prefixTexts[chosen.index]!,
    fraction: prefix.fraction,
    sourceFailure: p.failureText,
    selection: { successes: chosen.successes, trials: chosen.trials },
    pHat: chosen.successes / chosen.trials,
    low: w.low,
    high: w.high,
    observations: chosen.trials,
    recent: [{ successes: chosen.successes, trials: chosen.trials, policyVersion: r.policyVersion }],
    policyVersion: r.policyVersion,
    generation: p.generation,
    createdAt: now,
    updatedAt: now,
  };
  s.pool.set(entry.questionId, entry);
  return [{ type: 'pool-put', entry }];
}

/** A training group of a pool entry: p̂ re-estimated under the policy that sampled it. */
export function onTrainResult(s: SelectorState, r: { questionId: string; generation: number; rewards: number[]; policyVersion: number }, now: number): SelectorOutput[] {
  const entry = s.pool.get(r.questionId);
  if (!entry || entry.generation !== r.generation) return [];
  s.lag.observe([{ rewards: r.rewards, drawnPHat: entry.pHat }]);
  const updated = foldObservation(entry, { successes: r.rewards.reduce((a, x) => a + x, 0), trials: r.rewards.length, policyVersion: r.policyVersion }, now);
  s.pool.set(updated.questionId, updated);
  return [{ type: 'pool-put', entry: updated }];
}

/** Parses a sweep group id `question#generation@candidate`. */
export function parseSweepGroup(groupId: string): { questionId: string; generation: number; candidate: number } | undefined {
  const m = /^(.*)#(\d+)@(\d+)$/.exec(groupId);
  return m ? { questionId: m[1]!, generation: Number(m[2]), candidate: Number(m[3]) } : undefined;
}

/** Parses a training group id `question#generation`. */
export function parseEntryGroup(groupId: string): { questionId: string; generation: number } | undefined {
  const m = /^(.*)#(\d+)$/.exec(groupId);
  return m ? { questionId: m[1]!, generation: Number(m[2]) } : undefined;
}

export type { PoolEntry };
