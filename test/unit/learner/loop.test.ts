import { describe, expect, it } from 'vitest';
import { LearnerLoop, type LearnerPorts, type LearnerSettings, type StepDone } from '../../../src/learner/loop.ts';
import { envelope } from '../../../src/protocol/envelope.ts';
import type { RolloutRequest, RolloutResult } from '../../../src/protocol/messages.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';
import { DEFAULT_RUN_CONFIG } from '../../../src/run/config.ts';
import { resolveTask } from '../../../src/tasks/index.ts';

const task = resolveTask('arithmetic');
const entry = (questionId: string, prompt: string, prefix: number[]): PoolEntry => ({
  questionId, split: 'easy', prompt, answer: '0', prefix, prefixText: '', fraction: 0.3,
  sourceFailure: '', selection: { successes: 8, trials: 16 }, pHat: 0.5, low: 0.3, high: 0.7, observations: 16,
  recent: [{ successes: 8, trials: 16, policyVersion: 0 }], policyVersion: 0, generation: 0, createdAt: 0, updatedAt: 0,
});
const SETTINGS: LearnerSettings = {
  run: 'unit', task, sampling: DEFAULT_RUN_CONFIG.sampling, maxSteps: 2, source: 'pool', split: 'easy', dynamicFilter: false, maxRounds: 8, promptsPerStep: 2, groupSize: 4, originalShare: 0,
  maxStaleness: 1, publishEvery: 1, checkpointEvery: 1, minPool: 1, poolWaitSeconds: 1, lagSteps: 0, drawWidth: 0.1, harvestPerStep: 0,
  band: [0.25, 0.75], tau: 0.5, contextLength: 96, resendAfterMs: 9_000,
};

/** What a rollout actor would answer to `req`, sampled by `policyVersion` (the lowest it accepts); `tamper` changes it. */
function answer(req: RolloutRequest, policyVersion = req.minPolicyVersion, tamper: Partial<RolloutResult> = {}): RolloutResult {
  const samples = Array.from({ length: req.n }, (_, i) => ({ tokens: new Int32Array([3 + (i % 2), task.tokenizer.eos]), logProbs: new Float32Array([-0.5, -0.1]), reward: i % 2, stopped: true }));
  return { ...envelope('rollout.result', req.id), requestId: req.id, actorId: 'a', policyVersion, samples, questionId: req.questionId, groupId: req.groupId, kind: 'train', durationMs: 1, ...tamper };
}

/**
 * The loop against scripted ports: a clock that moves only when the loop sleeps, an "actor" that
 * answers each request through `respond`, and a log of everything the loop did, in order.
 */
function harness(o: { pool: PoolEntry[]; settings?: Partial<LearnerSettings>; start?: { step: number; version: number }; respond?: (req: RolloutRequest, msgId: string) => RolloutResult | undefined }) {
  let now = 0;
  const events: string[] = [];
  const sent: Array<{ request: RolloutRequest; msgId: string }> = [];
  const trained: Array<{ step: number; prompts: string[] }> = [];
  const commits: StepDone[] = [];
  const counters: Record<string, number> = {};
  const ports: LearnerPorts<string> = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await new Promise((r) => setImmediate(r));
    },
    pool: () => o.pool,
    requestsIdle: async () => true,
    send: async (request, msgId) => {
      sent.push({ request, msgId });
      const result = (o.respond ?? ((r) => answer(r)))(request, msgId);
      if (result) setImmediate(() => void loop.offer(result, `msg:${result.requestId}:${msgId}`));
    },
    harvest: () => ({ rollouts: [], groups: 0 }),
    train: async (rollouts, step) => {
      trained.push({ step, prompts: rollouts.map((r) => task.tokenizer.decode(r.prompt)) });
      events.push(`train ${step}`);
      return { loss: 0, flops: 1, seconds: 1 };
    },
    commit: async (done) => {
      commits.push(done);
      events.push(`commit ${done.step} v${done.version}${done.durable ? ' durable' : ''}`);
    },
    ack: (handles) => handles.forEach((h) => events.push(`ack ${h}`)),
    reject: async (result, handles, reason) => {
      events.push(`reject ${result.requestId}: ${reason}`);
      handles.forEach((h) => events.push(`ack ${h}`));
    },
    stopped: () => false,
    count: (name, by = 1) => (counters[name] = (counters[name] ?? 0) + by),
    log: { info: () => undefined, warn: () => undefined },
  };
  const loop: LearnerLoop<string> = new LearnerLoop(ports, { ...SETTINGS, ...o.settings }, o.start ?? { step: 0, version: 0 });
  return { loop, events, sent, trained, commits, counters };
}

describe('learner loop', () => {
  it('learner loop - trains each step on the results of its own requests and acks them only after the step is durable', async () => {
    const h = harness({ pool: [entry('q1', '12+34=', [3, 4])] });
    await h.loop.run();
    expect(h.commits.map((c) => [c.step, c.version, c.durable])).toEqual([[1, 1, true], [2, 2, true]]);
    expect(h.counters.steps).toBe(2);
    // Every ack of a step's results comes after that step's commit.
    for (const c of h.commits) {
      const ids = h.sent.filter((s) => s.request.id.startsWith(`train:s${c.step}:`)).map((s) => s.request.id);
      const committedAt = h.events.indexOf(`commit ${c.step} v${c.version} durable`);
      for (const id of ids) expect(h.events.findIndex((e) => e.startsWith(`ack msg:${id}`))).toBeGreaterThan(committedAt);
    }
    expect(h.trained[0]!.prompts.every((p) => p === `12+34=${task.tokenizer.decode([3, 4])}`)).toBe(true);
  });

  it('learner loop - request ids name their content: another pool gives other ids, so a result of the old plan is never trained on the new prompt', async () => {
    const first = harness({ pool: [entry('q1', '12+34=', [3, 4])], settings: { maxSteps: 1 } });
    await first.loop.run();
    const oldIds = new Set(first.sent.map((s) => s.request.id));
    // A resumed learner (step 0) whose pool now holds another prompt; the old results come again first.
    const oldResults = first.sent.map((s) => answer(s.request));
    const second = harness({ pool: [entry('q2', '56+78=', [5])], settings: { maxSteps: 1 } });
    for (const r of oldResults) await second.loop.offer(r, `old:${r.requestId}`);
    await second.loop.run();
    expect(second.sent.some((s) => oldIds.has(s.request.id))).toBe(false);
    expect(second.trained[0]!.prompts.every((p) => p === `56+78=${task.tokenizer.decode([5])}`)).toBe(true);
    // The same plan gives the same ids: a successor that plans what its predecessor did reuses its results.
    const third = harness({ pool: [entry('q1', '12+34=', [3, 4])], settings: { maxSteps: 1 }, respond: () => undefined });
    for (const r of oldResults) await third.loop.offer(r, `old:${r.requestId}`);
    await third.loop.run();
    expect(third.commits).toHaveLength(1);
    expect(third.events.filter((e) => e.startsWith('ack old:'))).toHaveLength(oldResults.length);
  });

  it('learner loop - a result that does not answer its request is rejected, and the request is sent again as a new attempt', async () => {
    let forged = 0;
    const h = harness({
      pool: [entry('q1', '12+34=', [3, 4])],
      settings: { maxSteps: 1, promptsPerStep: 1 },
      respond: (req, msgId) => (msgId === req.id && forged++ === 0 ? answer(req, 0, { questionId: 'other' }) : msgId === req.id ? answer(req) : answer(req)),
    });
    await h.loop.run();
    expect(h.events.some((e) => /^reject train:s1:0:[0-9a-f]{16}: answers question other/.test(e))).toBe(true);
    expect(h.counters.mismatched).toBe(1);
    const resent = h.sent.filter((s) => s.request.attempt === 2);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.msgId).toBe(`${resent[0]!.request.id}#2`);
    expect(h.commits).toHaveLength(1);
  });

  it('learner loop - a copy of a held result is acked with it, after the checkpoint, never at arrival', async () => {
    const h = harness({ pool: [entry('q1', '12+34=', [3, 4])], settings: { maxSteps: 1, promptsPerStep: 1 }, respond: (req) => {
      // The result and a redelivered copy of it, both before the step trains.
      void h.loop.offer(answer(req), 'first');
      void h.loop.offer(answer(req), 'copy');
      return undefined;
    } });
    await h.loop.run();
    expect(h.counters.duplicates).toBe(1);
    expect(h.events.indexOf('ack copy')).toBeGreaterThan(h.events.indexOf('commit 1 v1 durable'));
  });

  it('learner loop - a step whose results are all stale is not a step: nothing trained or counted, planned again under new ids', async () => {
    let round = 0;
    const h = harness({
      pool: [entry('q1', '12+34=', [3, 4])],
      settings: { maxSteps: 1, promptsPerStep: 1, maxStaleness: 1 },
      start: { step: 0, version: 5 },
      respond: (req) => answer(req, round++ === 0 ? 1 : 5),
    });
    await h.loop.run();
    expect(h.counters.emptySteps).toBe(1);
    expect(h.counters.stale).toBe(1);
    expect(h.counters.steps).toBe(1);
    expect(h.trained).toHaveLength(1);
    const ids = h.sent.map((s) => s.request.id);
    expect(new Set(ids).size).toBe(2);
  });

  it('learner loop - with publishEvery 2 and checkpointEvery 2, odd steps are not durable and their results wait', async () => {
    const h = harness({ pool: [entry('q1', '12+34=', [3, 4])], settings: { maxSteps: 3, publishEvery: 2, checkpointEvery: 2, promptsPerStep: 1 } });
    await h.loop.run();
    expect(h.commits.map((c) => [c.step, c.durable, c.publish])).toEqual([[1, false, false], [2, true, true], [3, true, false]]);
    const step1 = h.sent.find((s) => s.request.id.startsWith('train:s1:'))!.request.id;
    expect(h.events.findIndex((e) => e.startsWith(`ack msg:${step1}`))).toBeGreaterThan(h.events.indexOf('commit 2 v2 durable'));
  });

  it('learner loop - the split source trains fresh questions of its split without prefix, the same ones when the step is planned again', async () => {
    const settings = { source: 'split' as const, split: 'medium', maxSteps: 2 };
    const h = harness({ pool: [], settings });
    await h.loop.run();
    expect(h.commits).toHaveLength(2);
    const reqs = h.sent.map((x) => x.request);
    expect(reqs.every((r) => r.kind === 'train' && r.split === 'medium' && r.prefixLength === 0 && r.groupId === `original:${r.questionId}`)).toBe(true);
    expect(new Set(reqs.map((r) => r.questionId)).size).toBe(4); // two steps of two prompts, all fresh
    expect(h.trained[0]!.prompts.every((p) => /^\d+(\+\d+)+=$/.test(p))).toBe(true);
    const again = harness({ pool: [], settings });
    await again.loop.run();
    expect(again.sent.map((x) => x.request.id)).toEqual(h.sent.map((x) => x.request.id));
  });

  it('learner loop - the saturated source trains the pool bucket\'s questions without prefix', async () => {
    const h = harness({ pool: [entry('easy:1+2+3', '1+2+3=', []), entry('easy:4+5+6', '4+5+6=', [])], settings: { source: 'saturated', maxSteps: 1 } });
    await h.loop.run();
    expect(new Set(h.trained[0]!.prompts)).toEqual(new Set(['1+2+3=', '4+5+6=']));
    expect(h.sent.every((x) => x.request.prefixLength === 0 && x.request.groupId.startsWith('original:easy:'))).toBe(true);
  });

  it('learner loop - dynamic sampling drops groups whose rewards are all equal and samples more rounds until promptsPerStep are informative', async () => {
    let n = 0;
    // Every other group is all-correct: no advantage.
    const respond = (req: RolloutRequest) => (n++ % 2 ? answer(req) : answer(req, req.minPolicyVersion, { samples: answer(req).samples.map((x) => ({ ...x, reward: 1 })) }));
    const h = harness({ pool: [], settings: { source: 'split', dynamicFilter: true, maxSteps: 1 }, respond });
    await h.loop.run();
    expect(h.sent).toHaveLength(4); // two rounds of two prompts
    expect(h.trained).toHaveLength(1);
    expect(h.trained[0]!.prompts).toHaveLength(2 * 4); // two informative groups of G = 4
    expect(h.commits[0]!.metrics).toMatchObject({ rounds: 2, sampledGroups: 4, droppedUninformative: 2, droppedSurplus: 0 });
    expect(h.counters.dynamicDropped).toBe(2);
    // Every result, trained or dropped, is acked after the checkpoint.
    const committed = h.events.indexOf('commit 1 v1 durable');
    for (const { request } of h.sent) expect(h.events.findIndex((e) => e.startsWith(`ack msg:${request.id}`))).toBeGreaterThan(committed);
  });

  it('learner loop - dynamic sampling stops at maxRounds and trains on what it has', async () => {
    const flat = (req: RolloutRequest) => answer(req, req.minPolicyVersion, { samples: answer(req).samples.map((x) => ({ ...x, reward: 0 })) });
    const h = harness({ pool: [], settings: { source: 'split', dynamicFilter: true, maxRounds: 3, maxSteps: 1 }, respond: flat });
    await h.loop.run();
    expect(h.sent).toHaveLength(3 * 2);
    expect(h.counters.dynamicUnfilled).toBe(1);
    expect(h.commits).toHaveLength(1);
    expect(h.commits[0]!.metrics.rounds).toBe(3);
  });
});
