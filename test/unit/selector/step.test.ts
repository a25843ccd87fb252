import * as make from '../../helpers/messages.ts';
import { describe, expect, it } from 'vitest';
import { onProbeResult, onRefresh, onSweepResult, onTrainResult, parseSweepGroup, sweepTarget, topUp } from '../../../src/selector/step.ts';
import { initialSelectorState, type SelectorOutput, type SelectorSettings } from '../../../src/selector/state.ts';
import { resolveTask } from '../../../src/tasks/index.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';
import { cutPrefixes } from '../../../src/prefix/index.ts';

const task = resolveTask('arithmetic');
const settings: SelectorSettings = {
  split: 'easy', probeQuestions: 4, probeSamples: 32, minCorrect: 31, fractions: [0.1, 0.3, 0.5, 0.7, 0.9],
  sweepSamples: 16, sweepBatch: 8, sequential: true, sweepZ: 1.96, tau: 0.5, band: [0.25, 0.75], poolTarget: 4, monotone: false, probesPerStep: 0, questionSeed: 3, learnerMinPool: 0, recut: false,
};
const requests = (out: SelectorOutput[]) => out.flatMap((o) => (o.type === 'request' ? [o.request] : []));
const rewards = (correct: number, n: number) => Array.from({ length: n }, (_, i) => (i < correct ? 1 : 0));
/** A pool entry at `pHat`, its recent trials `recent` (none by default). */
const pooled = (id: string, pHat: number, ...recent: PoolEntry['recent']): PoolEntry => ({
  questionId: id, split: 'easy', prompt: '1+2+3=', answer: '6', prefix: [3], prefixText: '0', fraction: 0.3, sourceFailure: '0',
  selection: { successes: 16, trials: 32 }, pHat, low: pHat - 0.1, high: pHat + 0.1, observations: 48, recent,
  policyVersion: 0, generation: 0, createdAt: 0, updatedAt: 0,
});

describe('selector step', () => {
  it('selector - probes, sweeps a saturated question and writes an in-band prefix to the pool', () => {
    const s = initialSelectorState();
    const probes = requests(topUp(s, settings, task));
    expect(probes).toHaveLength(4);
    expect(requests(topUp(s, settings, task))).toHaveLength(0); // the pool target is covered by work in progress
    const q = probes[0]!.question;
    const failure = task.tokenizer.encode('012+034=0046;0046+056=0102;#102');
    const out = onProbeResult(s, settings, task, { questionId: q.id, groupId: probes[0]!.groupId, rewards: [...rewards(31, 31), 0], completions: Array.from({ length: 32 }, () => failure) });
    const reqs = requests(out);
    expect(reqs.every((r) => r.kind === 'sweep' && r.n === 8)).toBe(true);
    // Conditioned accuracy falls with the prefix: 1.0, 0.9, 0.5, 0.1, 0.0 of 8 per batch.
    const truth = [8, 7, 4, 1, 0];
    let pending = reqs;
    let puts: SelectorOutput[] = [];
    for (let round = 0; round < 10 && pending.length; round++) {
      const next = [];
      for (const r of pending) {
        const g = parseSweepGroup(r.groupId)!;
        const o = onSweepResult(s, settings, { questionId: q.id, candidate: g.candidate, rewards: rewards(truth[g.candidate]!, r.n), policyVersion: 0 }, 1);
        next.push(...requests(o));
        puts.push(...o.filter((x) => x.type === 'pool-put'));
      }
      pending = next;
    }
    expect(puts).toHaveLength(1);
    const entry = (puts[0] as Extract<SelectorOutput, { type: 'pool-put' }>).entry;
    expect(entry.fraction).toBe(0.5);
    expect(entry.pHat).toBe(0.5);
    expect(entry.prefixText).toBe(task.tokenizer.decode(entry.prefix));
    expect(s.counters.sweepRollouts).toBeLessThanOrEqual(5 * 16);

    const folded = onTrainResult(s, { questionId: q.id, generation: 0, rewards: rewards(12, 16), policyVersion: 2 }, 2);
    expect(folded).toHaveLength(1);
    expect(onTrainResult(s, { questionId: q.id, generation: 7, rewards: rewards(12, 16), policyVersion: 2 }, 2)).toHaveLength(0);

    // A refresh re-probes it; now solved 32/32, the entry is retired.
    const again = requests(onRefresh(s, settings, []));
    expect(again.map((r) => r.key)).toEqual([`${q.id}:g1`]);
    const retired = onProbeResult(s, settings, task, { questionId: q.id, groupId: again[0]!.groupId, rewards: rewards(32, 32), completions: [] });
    expect(retired).toEqual([{ type: 'pool-delete', questionId: q.id, reason: 'solved' }]);
    expect(s.pool.size).toBe(0);
  });

  it('selector - entries that left the band do not count towards the pool target, up to twice the target', () => {
    const inBandPool = initialSelectorState(['a', 'b', 'c', 'd'].map((id) => pooled(id, 0.5)));
    expect(requests(topUp(inBandPool, settings, task))).toHaveLength(0);
    const learntPast = initialSelectorState(['a', 'b', 'c'].map((id) => pooled(id, 0.95)).concat(pooled('d', 0.5)));
    expect(requests(topUp(learntPast, settings, task))).toHaveLength(3);
  });

  it('selector - a pool full of entries predicted out of band evicts the farthest ones to make room, and stays under twice the target', () => {
    const crowded = initialSelectorState(['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => pooled(id, 0.9 + i * 0.01)).concat(pooled('in', 0.5)));
    const out = topUp(crowded, settings, task);
    // Wanted: 3 probes (target 4, 1 usable); room for 1 under the cap of 8, so the 2 farthest go.
    expect(out.filter((o) => o.type === 'pool-delete').map((o) => o.type === 'pool-delete' && o.questionId)).toEqual(['f', 'e']);
    expect(requests(out)).toHaveLength(3);
    expect(crowded.pool.size + crowded.probing.size).toBe(8);
    expect(crowded.counters.evicted).toBe(2);
    // Work in flight counts towards the target: nothing more until it lands; a full pool of usable entries evicts nothing.
    expect(topUp(crowded, settings, task)).toEqual([]);
    const usable = initialSelectorState(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => pooled(id, 0.5)));
    expect(topUp(usable, settings, task)).toEqual([]);
  });

  it('selector - supply is counted as the learner draws it: p̂ plus the lag its training groups come back with', () => {
    const s = initialSelectorState(['a', 'b', 'c', 'd'].map((id) => pooled(id, 0.66, { successes: 21, trials: 32, policyVersion: 0 })), 0, 8);
    expect(requests(topUp(s, settings, task))).toHaveLength(0);
    // Training groups of 'a' come back all correct: 0.34 above its p̂, so p̂ 0.66 will be sampled near 1.
    onTrainResult(s, { questionId: 'a', generation: 0, rewards: rewards(16, 16), policyVersion: 1 }, 1);
    expect(s.lag.value).toBeCloseTo(0.25); // clamped
    expect(requests(topUp(s, settings, task))).toHaveLength(4);
  });

  it('selector - sweeps aim below τ by the lag training groups come back with, so fresh prefixes are near τ when trained on', () => {
    const s = initialSelectorState([pooled('a', 0.5)], 0, 8);
    expect(sweepTarget(s, settings)).toBe(0.5);
    onTrainResult(s, { questionId: 'a', generation: 0, rewards: rewards(11, 16), policyVersion: 1 }, 1); // 0.6875: 0.1875 above p̂
    expect(sweepTarget(s, settings)).toBeCloseTo(0.3125);
    const [p] = requests(topUp(s, settings, task));
    const failure = task.tokenizer.encode('012+034=0046;0046+056=0102;#102');
    onProbeResult(s, settings, task, { questionId: p!.question.id, groupId: p!.groupId, rewards: [...rewards(31, 31), 0], completions: Array.from({ length: 32 }, () => failure) });
    expect(s.sweeps.get(p!.question.id)!.sweep.config).toMatchObject({ tau: 0.3125, z: settings.sweepZ });
    // Conditioned accuracy 1.0, 0.75, 0.5, 0.25, 0.0: aimed at τ it would be the 0.5 cut, aimed at 0.31 it is the 0.25 one.
    const truth = [16, 12, 8, 4, 0];
    for (let c = 0; c < truth.length; c++) onSweepResult(s, settings, { questionId: p!.question.id, candidate: c, rewards: rewards(truth[c]!, 16), policyVersion: 1 }, 2);
    expect(s.pool.get(p!.question.id)).toMatchObject({ fraction: 0.7, pHat: 0.25 });

    // However large the lag, a sweep aims inside the band.
    expect(sweepTarget({ ...s, lag: { value: 0.4 } as typeof s.lag }, settings)).toBe(0.25);
  });

  it('selector - an entry trained past the band is recut: the later cuts of its failure are swept as its next generation, no new probe', () => {
    const failure = '012+034=0046;0046+056=0102;#102';
    const cuts = cutPrefixes(task.tokenizer.encode(failure), settings.fractions);
    const entry = (pHat: number, recent: PoolEntry['recent']): PoolEntry => ({
      ...pooled('a', pHat, ...recent), sourceFailure: failure, fraction: cuts[1]!.fraction, prefix: Array.from(cuts[1]!.tokens), selection: { successes: 16, trials: 32 }, observations: 32 + recent.reduce((n, r) => n + r.trials, 0),
    });
    const recut = { ...settings, recut: true, poolTarget: 1, probeQuestions: 1 };
    // Trained on and come back at 0.9: its three later cuts are swept, as generation 1, and that sweep is the supply in progress.
    const s = initialSelectorState([entry(0.9, [{ successes: 15, trials: 16, policyVersion: 3 }])]);
    const out = requests(topUp(s, recut, task));
    expect(out.every((r) => r.kind === 'sweep' && r.groupId.startsWith('a#1@'))).toBe(true);
    expect(s.sweeps.get('a')!.prefixes.map((x) => x.length)).toEqual(cuts.slice(2).map((x) => x.length));
    expect(s.counters.recuts).toBe(1);
    expect(requests(topUp(s, recut, task))).toHaveLength(0); // neither recut twice nor probed for
    // The later cuts answer 0.75, 0.5, 0.25 of 16: the middle one replaces the entry.
    const truth = [12, 8, 4];
    for (let round = 0; round < 8 && s.sweeps.has('a'); round++)
      for (let i = 0; i < truth.length; i++) onSweepResult(s, recut, { questionId: 'a', candidate: i, rewards: rewards(truth[i]! / 2, 8), policyVersion: 4 }, 5);
    expect(s.pool.get('a')).toMatchObject({ generation: 1, fraction: cuts[3]!.fraction, pHat: 0.5 });
    expect(s.counters.rebuilt).toBe(1);

    // Not recut: one fresh from its sweep (no training since), one at the last cut, and any with recut off.
    const fresh = initialSelectorState([{ ...entry(0.9, []), observations: 32 }]);
    expect(requests(topUp(fresh, recut, task)).every((r) => r.kind === 'probe')).toBe(true);
    const last = initialSelectorState([{ ...entry(0.9, [{ successes: 15, trials: 16, policyVersion: 3 }]), prefix: Array.from(cuts.at(-1)!.tokens) }]);
    expect(requests(topUp(last, recut, task)).every((r) => r.kind === 'probe')).toBe(true);
    const off = initialSelectorState([entry(0.9, [{ successes: 15, trials: 16, policyVersion: 3 }])]);
    expect(requests(topUp(off, { ...recut, recut: false }, task)).every((r) => r.kind === 'probe')).toBe(true);
  });

  it('selector - a recut whose later cuts are all out of band retires the entry', () => {
    const failure = '012+034=0046;0046+056=0102;#102';
    const s = initialSelectorState([{ ...pooled('a', 0.95, { successes: 16, trials: 16, policyVersion: 2 }), sourceFailure: failure, prefix: [1], fraction: 0.1, observations: 48 }]);
    const first = requests(topUp(s, { ...settings, recut: true }, task)).filter((r) => r.kind === 'sweep');
    expect(first.length).toBeGreaterThan(0);
    const candidates = s.sweeps.get('a')!.prefixes.length;
    for (let round = 0; round < 8 && s.sweeps.has('a'); round++)
      for (let i = 0; i < candidates; i++) onSweepResult(s, { ...settings, recut: true }, { questionId: 'a', candidate: i, rewards: rewards(8, 8), policyVersion: 3 }, 4);
    expect(s.pool.has('a')).toBe(false);
    expect(s.counters).toMatchObject({ recuts: 1, retired: 1, outOfBandAbove: 1 });
  });

  it('selector - a question that is not saturated is dropped, duplicates are ignored', () => {
    const s = initialSelectorState();
    const [p] = requests(topUp(s, settings, task));
    expect(onProbeResult(s, settings, task, { questionId: p!.question.id, groupId: p!.groupId, rewards: rewards(20, 32), completions: [] })).toEqual([]);
    expect(onProbeResult(s, settings, task, { questionId: p!.question.id, groupId: p!.groupId, rewards: rewards(31, 32), completions: [] })).toEqual([]);
    expect(s.counters).toMatchObject({ probed: 1, notSaturated: 1 });
  });
});

describe('selector pacing', () => {
  it('selector - new questions are paced by the learner: probeQuestions first, then probesPerStep a version', () => {
    const paced = { ...settings, probeQuestions: 4, poolTarget: 100, probesPerStep: 2 };
    const s = initialSelectorState();
    expect(requests(topUp(s, paced, task, 0))).toHaveLength(4);
    s.pool.set('held', make.poolEntry({ questionId: 'held', pHat: 0.95 })); // one entry (out of band): the learner can step
    s.probing.clear(); // answered, nothing saturated
    expect(requests(topUp(s, paced, task, 0))).toHaveLength(0);
    expect(requests(topUp(s, paced, task, 1))).toHaveLength(2);
    s.probing.clear();
    expect(requests(topUp(s, paced, task, 3))).toHaveLength(4);
  });

  it('selector - pacing is lifted while the pool lacks the in-band entries the learner waits for (no deadlock before step 1)', () => {
    const paced = { ...settings, probeQuestions: 4, poolTarget: 100, probesPerStep: 2, learnerMinPool: 2 };
    const s = initialSelectorState();
    expect(requests(topUp(s, paced, task, 0))).toHaveLength(4);
    s.probing.clear(); // answered, nothing saturated: the learner still waits at version 0
    expect(requests(topUp(s, paced, task, 0))).toHaveLength(4);
    s.probing.clear(); // after step 1 an empty pool still lifts it; any entry restores pacing
    expect(requests(topUp(s, paced, task, 1))).toHaveLength(4);
  });

  it('selector - probe mode keeps the questions found saturated, with no prefix, until poolTarget; no sweeps, no refresh', () => {
    const c: SelectorSettings = { ...settings, mode: 'probe', poolTarget: 2, probeQuestions: 3 };
    const s = initialSelectorState();
    const probes = requests(topUp(s, c, task));
    expect(probes.map((r) => r.kind)).toEqual(['probe', 'probe']); // poolTarget − pool − in flight
    const failure = task.tokenizer.encode('012+034=0047;#47');
    const answer = (i: number, correct: number) => onProbeResult(s, c, task, { questionId: probes[i]!.question.id, groupId: probes[i]!.groupId, rewards: [...rewards(correct, correct), ...rewards(0, 32 - correct)], completions: Array.from({ length: 32 }, () => failure), policyVersion: 3 }, 9);
    const put = answer(0, 31);
    expect(requests(put)).toHaveLength(0);
    const entry = (put[0] as Extract<SelectorOutput, { type: 'pool-put' }>).entry;
    expect(entry).toMatchObject({ questionId: probes[0]!.question.id, prompt: probes[0]!.question.prompt, answer: probes[0]!.question.answer, prefix: [], fraction: 0, pHat: 31 / 32, policyVersion: 3, createdAt: 9 });
    expect(entry.sourceFailure).toBe(task.tokenizer.decode(failure));
    expect(answer(1, 32)).toEqual([]); // solved every time: not saturated, not kept
    expect(s.counters).toMatchObject({ probed: 2, saturated: 1, notSaturated: 1, sweepsDone: 0 });
    // One more question is wanted; once it is found too the set is complete and stays as found.
    const more = requests(topUp(s, c, task));
    expect(more).toHaveLength(1);
    onProbeResult(s, c, task, { questionId: more[0]!.question.id, groupId: more[0]!.groupId, rewards: [...rewards(31, 31), 0], completions: Array.from({ length: 32 }, () => failure) });
    expect(s.pool.size).toBe(2);
    expect(topUp(s, c, task)).toEqual([]);
    expect(onRefresh(s, c, [])).toEqual([]);
  });

  it('selector - off mode sends nothing', () => {
    expect(topUp(initialSelectorState(), { ...settings, mode: 'off' }, task)).toEqual([]);
  });
});
