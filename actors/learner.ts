import type { JsMsg } from '@nats-io/jetstream';
import { Subject, concatMap, from, takeUntil } from 'rxjs';
import { decodeOrDeadLetter } from '../src/bus/decode-or-dead-letter.ts';
import { consume$ } from '../src/bus/observable.ts';
import { publishJs } from '../src/bus/publish.ts';
import { publishWeights, type WeightsPlace } from '../src/bus/weights.ts';
import { grpoOptimizer, grpoUpdate, type Rollout } from '../src/grpo/index.ts';
import { DrawLag } from '../src/pool/lag.ts';
import { HarvestBuffer } from '../src/learner/harvest.ts';
import { planStep, stepOfRequest, type PlannedGroup } from '../src/learner/plan.ts';
import type { AdamW } from '../src/model/adamw.ts';
import { loadCheckpoint, loadCheckpointFile, serializeCheckpoint } from '../src/model/checkpoint.ts';
import type { Policy } from '../src/model/policy.ts';
import type { RolloutResult } from '../src/protocol/messages.ts';
import { countInBand, type PoolEntry } from '../src/pool/entry.ts';
import { parseEntryGroup } from '../src/selector/step.ts';
import { rolloutRequest } from '../src/run/requests.ts';
import { mulberry32 } from '../src/tasks/rng.ts';
import { varianceRecords, type StepGroups, type VarianceRecord } from '../streams/variance.ts';
import { announceReady, count, durably, publishMetrics, watchPool, type ActorContext } from './context.ts';

interface Arrived {
  msg: JsMsg;
  result: RolloutResult;
}

/**
 * The learner actor: each step draws prefix-conditioned prompts from the pool, requests G
 * rollouts for each (the next step's requests go out before this step trains, so sampling and
 * training overlap), trains GRPO on the results, publishes weights and checkpoints.
 */
export async function runLearnerActor(ctx: ActorContext, o: { resume: boolean; maxSteps: number }): Promise<Promise<void>> {
  const { bus, config, task } = ctx;
  const lc = config.learner;
  const place: WeightsPlace = { nc: ctx.nc, names: bus.names, store: bus.weights, state: bus.state };

  // Start from the run's checkpoint, or from the learner's own when resuming.
  let policy: Policy;
  let optimizer: AdamW;
  let step = 0;
  let version = 0;
  const saved = o.resume ? await bus.weights.getBlob(bus.names.objects.checkpoint) : null;
  if (saved) {
    const loaded = loadCheckpoint(saved, { source: `run ${ctx.run} learner checkpoint` });
    policy = loaded.policy;
    optimizer = loaded.optimizer ?? grpoOptimizer(policy, lc.grpo);
    step = Number(loaded.meta.step ?? 0);
    version = Number(loaded.meta.version ?? 0);
    Object.assign(ctx.counters, loaded.meta.counters ?? {});
    ctx.log.info({ step, version }, 'resumed from checkpoint');
  } else {
    policy = (await loadCheckpointFile(config.checkpoint)).policy;
    optimizer = grpoOptimizer(policy, lc.grpo);
  }
  ctx.policyVersion = version;
  await publishWeights(place, version, step, await serializeCheckpoint(policy));

  // A live mirror of the pool.
  const pool = watchPool(ctx);

  // Results arrive into a map by request id; the step loop waits for its own ids.
  const arrived = new Map<string, Arrived>();
  let wake: () => void = () => undefined;
  const consumer = await bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results('train', 'learner'));
  const sink = { js: bus.js, run: ctx.run, actor: ctx.actorId, counter: ctx.deadLetters };
  consume$(consumer, { maxMessages: 256 })
    .pipe(takeUntil(ctx.stopping$), decodeOrDeadLetter('rollout.result', sink))
    .subscribe({
      next: ({ msg, value }) => {
        const of = stepOfRequest(value.requestId);
        if (of === undefined || of <= step) {
          // Already trained on (a replay after a resume) or not ours: never trained twice.
          count(ctx, of === undefined ? 'foreignResults' : 'replaySkipped');
          msg.ack();
        } else if (arrived.has(value.requestId)) {
          count(ctx, 'duplicates');
          msg.ack();
        } else {
          arrived.set(value.requestId, { msg, result: value });
          wake();
        }
      },
      error: (e) => ctx.log.error({ err: e }, 'result consumer failed'),
    });

  // Informative probe and sweep groups, trained on beside the step's own (learner.harvestPerStep).
  const harvest = new HarvestBuffer(4 * lc.harvestPerStep);
  if (lc.harvestPerStep > 0) {
    for (const kind of ['probe', 'sweep'] as const) {
      const c = await bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results(kind, 'learner'));
      // Acked on arrival: a harvested group is a bonus, not a request anyone waits for, so a
      // learner that dies before training on it loses nothing the ledger counts.
      consume$(c, { maxMessages: 256 })
        .pipe(takeUntil(ctx.stopping$), decodeOrDeadLetter('rollout.result', sink))
        .subscribe({
          next: ({ msg, value }) => {
            count(ctx, `harvest.${harvest.offer(value)}`);
            msg.ack();
          },
          error: (e) => ctx.log.error({ err: e, kind }, 'harvest consumer failed'),
        });
    }
  }

  const sent = new Map<string, PlannedGroup & { prompt: Int32Array }>();
  const lag = new DrawLag(lc.lagSteps);
  const send = async (s: number) => {
    const entries = [...pool.values()];
    const plan = planStep(s, entries, { ...lc, aim: { band: config.selector.band, tau: config.selector.tau, width: lc.drawWidth, shift: lag.value } }, mulberry32(s * 7919 + 1));
    // A step sent ahead is trained one update later: its samples must be recent enough for then,
    // or a slow rollout actor's whole batch would arrive stale and the step train on nothing.
    const trainedAtVersion = version + (s - step - 1);
    for (const g of plan) {
      const msg = rolloutRequest(task, config.sampling, { run: ctx.run, kind: 'train', id: g.requestId, groupId: g.groupId, question: g.question, prefix: g.prefix, n: g.n, minPolicyVersion: Math.max(0, trainedAtVersion - lc.maxStaleness) });
      sent.set(g.requestId, { ...g, prompt: msg.prompt });
      await durably(ctx, 'train request', () => publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), msg));
      count(ctx, 'sent');
    }
    return plan.length;
  };
  const expected = new Map<number, number>();

  const variance$ = new Subject<StepGroups>();
  variance$.pipe(varianceRecords(config.refresh.windowSteps)).subscribe((v: VarianceRecord) => {
    const { groups, ...values } = v;
    publishMetrics(ctx, 'variance', v.step, { ...values, groups: groups.length, poolSize: pool.size });
    for (const g of groups) publishMetrics(ctx, `groups.${g.source}`, v.step, { mean: g.mean, std: g.std, n: g.n, informative: g.std > 0 ? 1 : 0, drawnPHat: g.drawnPHat });
  });

  const waitFor = async (s: number, ids: string[]) => {
    const started = Date.now();
    while (!ids.every((id) => arrived.has(id))) {
      if (ctx.stopRequested) return false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1_000);
      });
      // A request lost with its actor comes back after the ack wait; re-sending (same id) covers a lost publish.
      if (Date.now() - started > 3 * config.rollout.ackWaitSeconds * 1000) {
        const overdue = ids.filter((x) => !arrived.has(x) && sent.has(x));
        ctx.log.warn({ step: s, overdue: overdue.length, of: ids.length }, 'results overdue; re-sending their requests');
        for (const id of overdue) {
          const g = sent.get(id)!;
          await durably(ctx, 'train request', () => publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), rolloutRequest(task, config.sampling, { run: ctx.run, kind: 'train', id, groupId: g.groupId, question: g.question, prefix: g.prefix, n: g.n, minPolicyVersion: 0 })));
          count(ctx, 'resent');
        }
        return waitFor(s, ids);
      }
    }
    return true;
  };

  // Every step wants minPool entries predicted in the τ band (p̂ + lag): training faster than the
  // selector finds prefixes only re-trains the few left, whose p̂ the policy has already pushed
  // out of band. It waits at most poolWaitSeconds for them (the first step without limit), then
  // trains on what there is (at least one entry), so a slow selector never stalls the run.
  const waitForPool = async (first: boolean) => {
    const started = Date.now();
    const usable = () => countInBand(pool.values(), config.selector.band, lag.value);
    const patient = () => first || Date.now() - started < lc.poolWaitSeconds * 1000;
    let told = started;
    while (!ctx.stopRequested && (pool.size === 0 || (usable() < lc.minPool && patient()))) {
      await new Promise((r) => setTimeout(r, 250));
      // An empty pool is waited out however long it takes: say so, or a stalled run is silent.
      if (Date.now() - told >= 30_000) {
        told = Date.now();
        ctx.log.warn({ waitedSeconds: Math.round((told - started) / 1000), inBand: usable(), pool: pool.size }, 'still waiting for the pool');
      }
    }
    const waited = (Date.now() - started) / 1000;
    if (waited >= 1) ctx.log.info({ waitedSeconds: +waited.toFixed(1), inBand: usable(), pool: pool.size }, 'waited for the pool');
    ctx.counters.poolWaitSeconds = (ctx.counters.poolWaitSeconds ?? 0) + waited;
  };

  const loop = async () => {
    while (step < o.maxSteps && !ctx.stopRequested) {
      await waitForPool(step === 0);
      if (ctx.stopRequested) break;
      const s = step + 1;
      if (!expected.has(s)) {
        const planned = await send(s);
        if (planned === 0) continue; // the pool emptied since the wait: wait for it again
        expected.set(s, planned);
      }
      const ids = Array.from({ length: expected.get(s)! }, (_, i) => `train:s${s}:${i}`);
      if (!(await waitFor(s, ids))) break;
      // Overlap: the next step's rollouts are sampled while this one trains (one version of lag).
      // Drawn from an empty pool (a refresh retired every entry), the next step is planned again
      // after the pool wait instead of being counted as a step with nothing to train on.
      if (s + 1 <= o.maxSteps) {
        const planned = await send(s + 1);
        if (planned > 0) expected.set(s + 1, planned);
      }
      const batch = ids.map((id) => arrived.get(id)!);
      const rollouts: Rollout[] = [];
      const groups: StepGroups['groups'] = [];
      for (const { result } of batch) {
        const lag = version - result.policyVersion;
        if (lag > lc.maxStaleness) {
          count(ctx, 'stale');
          continue;
        }
        const prompt = promptOf(result, sent, pool, ctx);
        if (!prompt) {
          count(ctx, 'unattributable');
          continue;
        }
        const source = result.groupId.startsWith('original:') ? 'original' : 'prefix';
        groups.push({ groupId: result.groupId, source, rewards: result.samples.map((x) => x.reward), drawnPHat: sent.get(result.requestId)?.drawnPHat ?? NaN });
        for (const sample of result.samples) {
          rollouts.push({ groupId: result.groupId, prompt, completion: sample.tokens, behaviourLogProbs: sample.logProbs, reward: sample.reward, policyVersion: result.policyVersion });
        }
      }
      const harvested = harvest.take(lc.harvestPerStep, version - lc.maxStaleness);
      for (const g of harvested) {
        for (const sample of g.samples) {
          rollouts.push({ groupId: `harvest:${g.requestId}`, prompt: g.prompt, completion: sample.tokens, behaviourLogProbs: sample.logProbs, reward: sample.reward, policyVersion: g.policyVersion });
        }
      }
      if (rollouts.length) {
        const m = grpoUpdate(policy, optimizer, rollouts, lc.grpo, { rng: mulberry32(s) });
        count(ctx, 'trainedRollouts', rollouts.length);
        count(ctx, 'harvestedGroups', harvested.length);
        version += 1;
        ctx.policyVersion = version;
        publishMetrics(ctx, 'learner', s, { ...m, version, stale: ctx.counters.stale ?? 0, flops: m.flops, gflops: m.flops / m.seconds / 1e9, drawLag: lag.value, harvestedGroups: harvested.length, harvestedRollouts: harvested.reduce((a, g) => a + g.samples.length, 0) });
        lag.observe(groups.filter((g) => g.source === 'prefix'));
        variance$.next({ step: s, groups });
        if (s % lc.publishEvery === 0) {
          const bytes = await serializeCheckpoint(policy);
          await durably(ctx, 'weights', () => publishWeights(place, version, s, bytes));
        }
      }
      step = s;
      count(ctx, 'steps');
      if (step % lc.checkpointEvery === 0 || step === o.maxSteps) await checkpoint();
      // Ack only after the step's checkpoint: a learner killed before it gets these results back.
      for (const { msg } of batch) msg.ack();
      for (const id of ids) {
        arrived.delete(id);
        sent.delete(id);
      }
      expected.delete(s);
      count(ctx, 'completed', batch.length);
    }
  };

  const checkpoint = async () => {
    const bytes = await serializeCheckpoint(policy, optimizer, { step, version, counters: { ...ctx.counters }, run: ctx.run, poolSize: pool.size });
    await durably(ctx, 'checkpoint', () => bus.weights.putBlob({ name: bus.names.objects.checkpoint, description: `learner step ${step}` }, bytes));
    await durably(ctx, 'learner step', () => bus.state.put(bus.names.stateKeys.learnerStep, String(step)));
  };

  const done = loop();
  announceReady(ctx, { step, version, maxSteps: o.maxSteps });
  return done.then(async () => {
    await checkpoint();
    publishMetrics(ctx, 'learner.done', step, { step, version });
    ctx.log.info({ step, version }, 'learner finished');
    variance$.complete();
  });
}

/** The prompt tokens a result continued: from the request this learner sent, or rebuilt from its pool entry (after a resume). */
function promptOf(result: RolloutResult, sent: Map<string, { prompt: Int32Array }>, pool: Map<string, PoolEntry>, ctx: ActorContext): Int32Array | undefined {
  const g = sent.get(result.requestId);
  if (g) return g.prompt;
  const entry = [...pool.values()].find((e) => e.questionId === result.questionId);
  if (!entry) return undefined;
  const original = result.groupId.startsWith('original:');
  if (!original && parseEntryGroup(result.groupId)?.generation !== entry.generation) return undefined;
  const question = { id: entry.questionId, split: entry.split, prompt: entry.prompt, answer: entry.answer };
  return rolloutRequest(ctx.task, ctx.config.sampling, { run: ctx.run, kind: 'train', id: result.requestId, groupId: result.groupId, question, prefix: original ? [] : entry.prefix, n: 1, minPolicyVersion: 0 }).prompt;
}
