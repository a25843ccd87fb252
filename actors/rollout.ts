import type { JsMsg } from '@nats-io/jetstream';
import { bufferTime, concatMap, filter, from, merge, takeUntil, lastValueFrom, defaultIfEmpty } from 'rxjs';
import { decodeOrDeadLetter, type Decoded } from '../src/bus/decode-or-dead-letter.ts';
import { consume$, subscribe$ } from '../src/bus/observable.ts';
import { publishJs } from '../src/bus/publish.ts';
import { withTimeout } from '../src/bus/retry.ts';
import { fetchWeights, latestWeights, type WeightsPlace } from '../src/bus/weights.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { RolloutRequest, RolloutResult } from '../src/protocol/messages.ts';
import { ROLLOUT_KINDS } from '../src/protocol/subjects.ts';
import { resolveEngine, type RolloutEngine } from '../src/rollout/index.ts';
import { scoreContinuation } from '../src/rollout/score.ts';
import { announceReady, count, durably, quarantine, type ActorContext } from './context.ts';
import { decode } from '../src/protocol/codec.ts';

type Request = Decoded<JsMsg, RolloutRequest>;

/**
 * The rollout actor: takes rollout requests of every kind from the work queue, generates with its
 * engine (the tfjs policy by default), scores with the task's verifier, publishes each result
 * (deduplicated by request id), then acks. Follows the learner's weights announcements.
 */
export async function runRolloutActor(ctx: ActorContext, options: { engine?: string } = {}): Promise<Promise<void>> {
  const { bus, config } = ctx;
  const engine = await resolveEngine(options.engine ?? 'tfjs')({ checkpoint: config.checkpoint, maxRows: config.rollout.maxRows });
  ctx.policyVersion = engine.policyVersion;
  const place: WeightsPlace = { nc: ctx.nc, names: bus.names, store: bus.weights, state: bus.state };
  const sync = weightsFollower(ctx, engine, place);
  await sync(0);

  subscribe$(ctx.nc, bus.names.subjects.weightsAnnounce)
    .pipe(
      concatMap((m) => {
        const a = decode(m.data, 'weights.announcement');
        return from(a.ok ? sync(0) : quarantine(ctx, m.subject, m.data, a.reason));
      }),
      takeUntil(ctx.stopping$),
    )
    .subscribe({ error: (e) => ctx.log.error({ err: e }, 'weights subscription failed') });

  const consumers = await Promise.all(ROLLOUT_KINDS.map((kind) => bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout(kind))));
  const sink = { js: bus.js, run: ctx.run, actor: ctx.actorId, counter: ctx.deadLetters };
  const pipeline = merge(...consumers.map((c) => consume$(c, { maxMessages: config.rollout.concurrency, expiresMs: 5_000 }))).pipe(
    takeUntil(ctx.stopping$),
    decodeOrDeadLetter('rollout.request', sink),
    // Requests that arrive together are sampled as one batch: wide batches keep the matmuls efficient.
    bufferTime(5, null, config.rollout.concurrency),
    filter((batch) => batch.length > 0),
    concatMap((batch) => from(serveBatch(ctx, engine, sync, batch))),
    defaultIfEmpty(undefined),
  );
  const done = lastValueFrom(pipeline);
  announceReady(ctx, { engine: engine.name, policyVersion: engine.policyVersion });
  return done.then(() => engine.close());
}

/** Loads newer announced weights into the engine, one load at a time; waits for `minVersion` when asked. */
function weightsFollower(ctx: ActorContext, engine: RolloutEngine, place: WeightsPlace): (minVersion: number) => Promise<void> {
  let chain = Promise.resolve();
  const loadLatest = async () => {
    // Bounded: a fetch caught by a broker restart can stay pending for good, and every request
    // this actor serves waits on it.
    const latest = await withTimeout(latestWeights(place), 10_000);
    if (!latest?.ok || latest.value.version <= engine.policyVersion) return;
    const bytes = await withTimeout(fetchWeights(place, latest.value), 30_000);
    await engine.loadWeights(bytes, latest.value.version);
    ctx.policyVersion = engine.policyVersion;
    count(ctx, 'weightLoads');
  };
  return async (minVersion) => {
    const deadline = Date.now() + 60_000;
    do {
      chain = chain.then(loadLatest, loadLatest);
      await chain.catch((e) => ctx.log.warn({ err: e }, 'weights load failed'));
      if (engine.policyVersion >= minVersion) return;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
  };
}

async function serveBatch(ctx: ActorContext, engine: RolloutEngine, sync: (v: number) => Promise<void>, batch: Request[]): Promise<void> {
  const foreign = batch.filter((b) => b.value.run !== ctx.run);
  for (const f of foreign) f.msg.term(); // another run's request on our subject: never ours to answer
  const requests = batch.filter((b) => b.value.run === ctx.run);
  if (!requests.length) return;
  ctx.inFlight = requests.length;
  try {
    const minVersion = Math.max(...requests.map((r) => r.value.minPolicyVersion));
    if (engine.policyVersion < minVersion) await sync(minVersion);
    const started = performance.now();
    const generated = await engine.generate(
      requests.map(({ value: r }) => ({ prompt: r.prompt, n: r.n, temperature: r.sampling.temperature, topP: r.sampling.topP, maxTokens: r.sampling.maxTokens, seed: r.sampling.seed, stopToken: ctx.task.tokenizer.eos })),
    );
    const durationMs = performance.now() - started;
    for (const [i, { msg, value: r }] of requests.entries()) {
      const samples = generated[i]!.map((g) => ({ tokens: g.tokens, logProbs: g.logProbs, reward: scoreContinuation(ctx.task, r, g.tokens), stopped: g.stopped }));
      const result: RolloutResult = {
        ...envelope('rollout.result', r.id),
        requestId: r.id,
        actorId: ctx.actorId,
        policyVersion: engine.policyVersion,
        samples,
        questionId: r.questionId,
        groupId: r.groupId,
        kind: r.kind,
        prompt: r.prompt,
        durationMs,
      };
      // Publish, then ack: a crash in between redelivers the request, and the result's id dedups the rerun.
      await durably(ctx, 'result', () => publishJs(ctx.bus.js, ctx.bus.names.subjects.rolloutResult(r.kind), result));
      msg.ack();
      count(ctx, 'handled');
      count(ctx, `handled.${r.kind}`);
      count(ctx, 'samples', samples.length); // rollouts spent, for budgets (`saturn up --max-rollouts`)
      count(ctx, `samples.${r.kind}`, samples.length);
      count(ctx, 'tokens', samples.reduce((a, s) => a + s.tokens.length, 0));
      if (msg.info.deliveryCount > 1) count(ctx, 'redelivered');
    }
  } catch (error) {
    ctx.log.error({ err: error }, 'rollout batch failed; returning it to the queue');
    count(ctx, 'failedBatches');
    for (const { msg } of requests) msg.nak(1_000);
  } finally {
    ctx.inFlight = 0;
  }
}
