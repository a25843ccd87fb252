import * as tf from '@tensorflow/tfjs-core';
import type { JsMsg } from '@nats-io/jetstream';
import { concatMap, from, interval, Subject, takeUntil } from 'rxjs';
import { deadLetter } from '../src/bus/dead-letter.ts';
import { decodeOrDeadLetter } from '../src/bus/decode-or-dead-letter.ts';
import { consume$ } from '../src/bus/observable.ts';
import { publishJs } from '../src/bus/publish.ts';
import { consumerIdle } from '../src/bus/queued.ts';
import { latestWeights, publishWeights, type WeightsPlace } from '../src/bus/weights.ts';
import { grpoOptimizer, grpoUpdate } from '../src/grpo/index.ts';
import { GradientPool } from '../src/model/gradient-pool.ts';
import { HarvestBuffer } from '../src/learner/harvest.ts';
import { LearnerLoop, type StepDone } from '../src/learner/loop.ts';
import type { AdamW } from '../src/model/adamw.ts';
import { loadCheckpoint, loadCheckpointFile, serializeCheckpoint } from '../src/model/checkpoint.ts';
import type { Policy } from '../src/model/policy.ts';
import { mulberry32 } from '../src/tasks/rng.ts';
import { varianceRecords, type VarianceRecord } from '../streams/variance.ts';
import { announceReady, count, durably, publishMetrics, watchPool, type ActorContext } from './context.ts';


/** A step's metrics record, kept in the checkpoint until it is stored (its id makes a re-send harmless). */
interface StepRecord {
  name: string;
  step: number;
  values: Record<string, number>;
  id: string;
}

/**
 * The learner actor: wires the pure step loop (src/learner/loop.ts) to the broker. Results come
 * from the `results_train_learner` consumer and are acked only once their step is checkpointed;
 * each step's weights are announced only after the checkpoint that holds them, and its metrics
 * (kept in that checkpoint) only after that, so a learner killed at any point and resumed trains
 * no step twice and never announces one version with two contents.
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
  let unsent: StepRecord[] = [];
  const saved = o.resume ? await durably(ctx, 'checkpoint read', () => bus.weights.getBlob(bus.names.objects.checkpoint)) : null;
  if (saved) {
    const loaded = loadCheckpoint(saved, { source: `run ${ctx.run} learner checkpoint` });
    policy = loaded.policy;
    optimizer = loaded.optimizer ?? grpoOptimizer(policy, lc.grpo);
    step = Number(loaded.meta.step ?? 0);
    version = Number(loaded.meta.version ?? 0);
    unsent = (loaded.meta.records as StepRecord[] | undefined) ?? [];
    ctx.log.info({ step, version }, 'resumed from checkpoint');
  } else {
    policy = (await loadCheckpointFile(config.checkpoint)).policy;
    optimizer = grpoOptimizer(policy, lc.grpo);
  }
  // Never announce a version number twice with other contents: the checkpoint's version is the
  // latest announced (weights go out only after their checkpoint), unless the run was written by a
  // learner that announced before checkpointing; then count on from the latest announced.
  const announced = await durably(ctx, 'weights read', () => latestWeights(place));
  if (announced?.ok && announced.value.version > version) {
    ctx.log.warn({ checkpoint: version, announced: announced.value.version }, 'weights were announced past the checkpoint; counting on from them');
    version = announced.value.version + 1;
  }
  ctx.policyVersion = version;
  await durably(ctx, 'weights', async () => publishWeights(place, version, step, await serializeCheckpoint(policy)));
  // The last durable step's metrics may not have reached the stream before a kill: again (deduplicated).
  for (const r of unsent) publishMetrics(ctx, r.name, r.step, r.values, r.id);

  // Data-parallel gradients: a second tfjs instance is the only way wasm uses a second core. The
  // tensorflow backends already run every core in one instance (and their native addon is not
  // loaded into worker threads), so there the update stays on this thread.
  const gradients = lc.gradientWorkers > 0 && tf.getBackend() === 'wasm' ? await GradientPool.start(policy, lc.gradientWorkers, 'wasm') : undefined;
  const pool = watchPool(ctx);
  const records: StepRecord[] = [];
  const record = (name: string, s: number, values: Record<string, number>) => records.push({ name, step: s, values: { ...values, actorPid: process.pid }, id: `${ctx.run}:learner:s${s}:${name}:${records.length}` });
  const variance$ = new Subject<{ step: number; groups: StepDone['batch']['groups'] }>();
  variance$.pipe(varianceRecords(config.refresh.windowSteps)).subscribe((v: VarianceRecord) => {
    const { groups, ...values } = v;
    record('variance', v.step, { ...values, groups: groups.length, poolSize: pool.size });
    for (const g of groups) record(`groups.${g.source}`, v.step, { mean: g.mean, std: g.std, n: g.n, informative: g.std > 0 ? 1 : 0, drawnPHat: g.drawnPHat });
  });

  const checkpoint = async (s: number, v: number, pending: StepRecord[]) => {
    const bytes = await serializeCheckpoint(policy, optimizer, { step: s, version: v, counters: { ...ctx.counters }, run: ctx.run, poolSize: pool.size, records: pending });
    await durably(ctx, 'checkpoint', () => bus.weights.putBlob({ name: bus.names.objects.checkpoint, description: `learner step ${s}` }, bytes));
    await durably(ctx, 'learner step', () => bus.state.put(bus.names.stateKeys.learnerStep, String(s)));
  };

  const sink = { js: bus.js, run: ctx.run, actor: ctx.actorId, counter: ctx.deadLetters };
  const loop: LearnerLoop<JsMsg> = new LearnerLoop<JsMsg>(
    {
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      pool: () => [...pool.values()],
      // The learner's own results consumer always has results delivered and unacked (held until
      // the checkpoint): only undelivered ones count there.
      requestsIdle: async () =>
        (await consumerIdle(bus.jsm, bus.names.streams.requests, bus.names.consumers.rollout('train'))) &&
        consumerIdle(bus.jsm, bus.names.streams.results, bus.names.consumers.results('train', 'learner'), { delivered: false }),
      send: (request, msgId) => durably(ctx, 'train request', () => publishJs(bus.js, bus.names.subjects.rolloutRequest('train'), request, { msgID: msgId })).then(() => undefined),
      harvest: (minVersion) => {
        const groups = harvest.take(lc.harvestPerStep, minVersion);
        const rollouts = groups.flatMap((g) => g.samples.map((x) => ({ groupId: `harvest:${g.requestId}`, prompt: g.prompt, completion: x.tokens, behaviourLogProbs: x.logProbs, reward: x.reward, policyVersion: g.policyVersion })));
        return { rollouts, groups: groups.length };
      },
      train: async (rollouts, s) => {
        const m = await grpoUpdate(policy, optimizer, rollouts, lc.grpo, { rng: mulberry32(s), pool: gradients });
        ctx.tensorsAtRest = tf.memory().numTensors;
        return { ...m };
      },
      commit: async (done) => {
        ctx.policyVersion = done.version;
        record('learner', done.step, { ...done.metrics, version: done.version, stale: ctx.counters.stale ?? 0, gflops: done.metrics.flops! / done.metrics.seconds! / 1e9, drawLag: done.drawLag });
        variance$.next({ step: done.step, groups: done.batch.groups });
        if (!done.durable) return; // its records wait for the next checkpoint
        const pending = records.splice(0);
        await checkpoint(done.step, done.version, pending);
        if (done.publish) await durably(ctx, 'weights', async () => publishWeights(place, done.version, done.step, await serializeCheckpoint(policy)));
        for (const r of pending) publishMetrics(ctx, r.name, r.step, r.values, r.id);
      },
      ack: (handles) => handles.forEach((m) => m.ack()),
      reject: async (result, handles, reason) => {
        const m = handles[0]!;
        await durably(ctx, 'dead letter', () => deadLetter(bus.js, ctx.run, { reason: `rollout.result ${result.requestId} does not answer its request: ${reason}`, cause: 'mismatch', subject: m.subject, raw: m.data, actor: ctx.actorId, seq: m.seq }, { counter: ctx.deadLetters }));
        handles.forEach((h) => h.ack());
      },
      stopped: () => ctx.stopRequested,
      count: (name, by) => count(ctx, name, by),
      log: ctx.log,
    },
    {
      ...lc,
      run: ctx.run,
      task,
      sampling: config.sampling,
      maxSteps: o.maxSteps,
      band: config.selector.band,
      tau: config.selector.tau,
      contextLength: policy.config.contextLength,
      resendAfterMs: 3 * config.rollout.ackWaitSeconds * 1000,
    },
    { step, version },
  );

  // Informative probe and sweep groups, trained on beside the step's own (learner.harvestPerStep).
  const harvest = new HarvestBuffer(4 * lc.harvestPerStep);
  if (lc.harvestPerStep > 0) {
    for (const kind of ['probe', 'sweep'] as const) {
      const c = await durably(ctx, 'harvest consumer', () => bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results(kind, 'learner')));
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

  const consumer = await durably(ctx, 'results consumer', () => bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results('train', 'learner')));
  consume$(consumer, { maxMessages: 256 })
    .pipe(
      takeUntil(ctx.stopping$),
      decodeOrDeadLetter('rollout.result', sink),
      concatMap(({ msg, value }) => from(loop.offer(value, msg))),
    )
    .subscribe({ error: (e) => ctx.log.error({ err: e }, 'result consumer failed') });
  // Results held for a step that is not durable yet: in-progress acks keep them from redelivery.
  interval(Math.max(500, (config.rollout.ackWaitSeconds * 1000) / 3))
    .pipe(takeUntil(ctx.stopping$))
    .subscribe(() => loop.ledger.heldHandles().forEach((m) => m.working()));

  const done = loop.run();
  announceReady(ctx, { step, version, maxSteps: o.maxSteps });
  return done.then(async () => {
    if (records.length) {
      // Stopped between checkpoints: the steps trained since become durable now.
      const pending = records.splice(0);
      await checkpoint(loop.step, loop.version, pending);
      for (const r of pending) publishMetrics(ctx, r.name, r.step, r.values, r.id);
      loop.ledger.durable(loop.step).forEach((m) => m.ack());
    }
    publishMetrics(ctx, 'learner.done', loop.step, { step: loop.step, version: loop.version });
    ctx.log.info({ step: loop.step, version: loop.version }, 'learner finished');
    variance$.complete();
  }).finally(() => gradients?.close());
}
