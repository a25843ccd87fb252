import type { JsMsg } from '@nats-io/jetstream';
import { concatMap, defaultIfEmpty, defer, EMPTY, filter, finalize, from, lastValueFrom, of, repeat, take, takeUntil, tap, toArray } from 'rxjs';
import { decodeOrDeadLetter, type Decoded } from '../src/bus/decode-or-dead-letter.ts';
import { subscribe$ } from '../src/bus/observable.ts';
import { OnDemand } from '../src/bus/on-demand.ts';
import { publishJs } from '../src/bus/publish.ts';
import { withTimeout } from '../src/bus/retry.ts';
import { announcementProblem, fetchWeights, latestWeights, type WeightsPlace } from '../src/bus/weights.ts';
import { InProgress } from '../src/bus/working.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { RolloutRequest, RolloutResult } from '../src/protocol/messages.ts';
import type { RolloutKind } from '../src/protocol/subjects.ts';
import { checkEngineOptions, loadEngine, type GenerationJob, type RolloutEngine } from '../src/rollout/index.ts';
import { ValidationError } from '../src/protocol/errors.ts';
import { scoreContinuation } from '../src/rollout/score.ts';
import { byMinVersion, shouldLoad, type HeldWeights } from '../src/rollout/versions.ts';
import { announceReady, count, deadLetterSink, durably, quarantine, type ActorContext } from './context.ts';
import { decode } from '../src/protocol/codec.ts';

type Request = Decoded<JsMsg, RolloutRequest>;

/** The order a batch is filled in: a learner step waits on its groups, the selector's sweeps feed the learner's pool, probes look ahead. */
const BY_PRIORITY: RolloutKind[] = ['train', 'sweep', 'probe'];

/** How long a request below the held policy version is given back for, before another try. */
const BELOW_VERSION_RETRY_MS = 5_000;

/**
 * The rollout actor: takes rollout requests of every kind from the work queue, generates with its
 * engine (the tfjs policy by default), scores with the task's verifier, publishes each result
 * (deduplicated by request id), then acks. Follows the learner's weights announcements. Never
 * answers a request with weights older than its `minPolicyVersion`: those are nak'ed with a delay.
 */
export async function runRolloutActor(ctx: ActorContext, options: { engine?: string } = {}): Promise<Promise<void>> {
  const { bus, config } = ctx;
  // `--engine` or the config's `rollout.engine`: a built-in, a module path or a package (docs/plugins.md).
  const plugin = await loadEngine(options.engine ?? config.rollout.engine, options.engine ? '--engine' : 'rollout.engine');
  const engineOptions = checkEngineOptions(plugin, config.engines[plugin.name]);
  const engine = await plugin.create({ checkpoint: config.checkpoint, maxRows: config.rollout.maxRows, options: engineOptions, task: ctx.task });
  ctx.policyVersion = engine.policyVersion;
  const place: WeightsPlace = { nc: ctx.nc, names: bus.names, store: bus.weights, state: bus.state };
  // An engine with its own model reports its own version and never loads the learner's weights.
  const sync = engine.followsWeights === false ? async () => undefined : weightsFollower(ctx, engine, place);
  await sync(0);

  // An announcement only says "look again": what is loaded is the state KV's latest, checked.
  // One that names weights the store does not hold is quarantined (a forged one, usually).
  subscribe$(ctx.nc, bus.names.subjects.weightsAnnounce)
    .pipe(
      concatMap((m) =>
        from(
          (async () => {
            const a = decode(m.data, 'weights.announcement');
            const problem = a.ok ? await announcementProblem(place, a.value) : a.reason;
            return problem ? quarantine(ctx, m.subject, m.data, a.ok ? `weights announcement v${a.value.version}: ${problem}` : problem) : sync(0);
          })().catch((e) => ctx.log.warn({ err: e }, 'weights announcement not checked (the store did not answer)')),
        ),
      ),
      takeUntil(ctx.stopping$),
    )
    .subscribe({ error: (e) => ctx.log.error({ err: e }, 'weights subscription failed') });

  // Priority order: the learner's groups first, then the selector's sweeps, then its probes.
  const consumers = await Promise.all(BY_PRIORITY.map((kind) => durably(ctx, 'requests consumer', () => bus.js.consumers.get(bus.names.streams.requests, bus.names.consumers.rollout(kind)))));
  // Every request taken is kept alive with in-progress acks until it is acked or given back: a
  // request waiting behind a slow batch, or for weights, would otherwise be redelivered (and use
  // up its deliveries: under load, probes were dead-lettered after max_deliver).
  const taken = new InProgress<JsMsg>((config.rollout.ackWaitSeconds * 1000) / 3);
  // Taken on demand, a batch at a time: beyond the batch it is sampling an actor holds at most a
  // batch's worth arrived plus one pull window per kind, so a second actor on the queue gets its share.
  const demand = await OnDemand.open(consumers, { maxMessages: config.rollout.concurrency, expiresMs: 5_000, onArrive: (msg) => taken.hold(msg) });
  ctx.stopping$.pipe(take(1)).subscribe(() => demand.stop());
  // Requests of another run, of the wrong kind for their subject, or invalid are dead-lettered here.
  const oneBatch$ = defer(() => from(demand.take(config.rollout.concurrency, 5))).pipe(
    // Held again below once decoded: what is dead-lettered instead must not stay held.
    concatMap((msgs) => from(msgs.map((msg) => (taken.release(msg), msg)))),
    decodeOrDeadLetter('rollout.request', deadLetterSink(ctx)),
    tap(({ msg }) => taken.hold(msg)),
    toArray(),
    filter((batch) => batch.length > 0),
    concatMap((batch) => from(serveBatch(ctx, engine, sync, batch, taken).finally(() => batch.forEach(({ msg }) => taken.release(msg))))),
  );
  // The next batch is taken only once this one is served (requests that arrive together are still
  // sampled as one batch: wide batches keep the matmuls efficient).
  const pipeline = oneBatch$.pipe(
    repeat({ delay: () => (demand.done ? EMPTY : of(0)) }),
    defaultIfEmpty(undefined),
    finalize(() => {
      demand.stop();
      taken.stop();
    }),
  );
  const done = lastValueFrom(pipeline);
  announceReady(ctx, { engine: engine.name, policyVersion: engine.policyVersion });
  return done.then(() => engine.close());
}

/**
 * Loads the state KV's latest weights into the engine when they move it forward (see
 * `shouldLoad`), one load at a time; with `minVersion`, keeps looking until the engine holds
 * at least that version, the wait runs out, or the actor stops.
 */
function weightsFollower(ctx: ActorContext, engine: RolloutEngine, place: WeightsPlace): (minVersion: number) => Promise<void> {
  let chain = Promise.resolve();
  let held: HeldWeights = { version: engine.policyVersion };
  let refused = '';
  const loadLatest = async () => {
    // Bounded: a fetch caught by a broker restart can stay pending for good, and every request
    // this actor serves waits on it.
    const latest = await withTimeout(latestWeights(place), 10_000);
    if (latest && !latest.ok && latest.reason !== refused) {
      count(ctx, 'weightsRefused');
      ctx.log.warn({ reason: latest.reason }, 'latest weights announcement refused');
    }
    refused = latest && !latest.ok ? latest.reason : '';
    if (!latest?.ok || !shouldLoad(held, latest.value)) return;
    const bytes = await withTimeout(fetchWeights(place, latest.value), 30_000);
    await engine.loadWeights(bytes, latest.value.version);
    held = { version: latest.value.version, sha256: latest.value.sha256 };
    ctx.policyVersion = engine.policyVersion;
    count(ctx, 'weightLoads');
  };
  // Two ack waits (60 s by default): in-progress acks keep the batch's requests meanwhile.
  const waitMs = 2 * ctx.config.rollout.ackWaitSeconds * 1000;
  return async (minVersion) => {
    const deadline = Date.now() + waitMs;
    do {
      chain = chain.then(loadLatest, loadLatest);
      await chain.catch((e) => ctx.log.warn({ err: e }, 'weights load failed'));
      if (engine.policyVersion >= minVersion || ctx.stopRequested) return;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
  };
}

async function serveBatch(ctx: ActorContext, engine: RolloutEngine, sync: (v: number) => Promise<void>, batch: Request[], taken: InProgress<JsMsg>): Promise<void> {
  ctx.inFlight = batch.length;
  try {
    const minVersion = Math.max(...batch.map((r) => r.value.minPolicyVersion));
    if (engine.policyVersion < minVersion) await sync(minVersion);
    const { ready: requests, early } = byMinVersion(batch, engine.policyVersion);
    if (early.length) {
      // Never answered with older weights: given back, to this or an actor that holds newer ones.
      for (const { msg } of early) msg.nak(BELOW_VERSION_RETRY_MS);
      count(ctx, 'belowMinPolicyVersion', early.length);
      ctx.log.warn({ held: engine.policyVersion, wanted: minVersion, requests: early.length }, 'requests want newer weights than this actor could load; given back');
    }
    const answerable = await dropRefused(ctx, engine, requests);
    if (!answerable.length) return;
    taken.touch(); // generation is synchronous: the in-progress timer stays silent until it ends
    const started = performance.now();
    const generated = await engine.generate(answerable.map((a) => a.job));
    const durationMs = performance.now() - started;
    for (const [i, { msg, value: r }] of answerable.map((a) => a.request).entries()) {
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
      const problem = await durably(ctx, 'result', () => publishJs(ctx.bus.js, ctx.bus.names.subjects.rolloutResult(r.kind), result)).then(
        () => undefined,
        (e: unknown) => (e instanceof ValidationError ? e.message : Promise.reject(e)),
      );
      if (problem) {
        // The engine answered with something no receiver may accept (a NaN log-prob): the request
        // goes to the dead letters with the reason, rather than round the queue for ever.
        await deadLetterRequest(ctx, msg, `the engine's answer is not a valid rollout.result: ${problem}`, 'invalidAnswers');
        continue;
      }
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
    for (const { msg } of batch) msg.nak(1_000); // those acked already ignore it
  } finally {
    ctx.inFlight = 0;
  }
}

function jobOf(ctx: ActorContext, r: RolloutRequest): GenerationJob {
  return { prompt: r.prompt, n: r.n, temperature: r.sampling.temperature, topP: r.sampling.topP, maxTokens: r.sampling.maxTokens, seed: r.sampling.seed, stopToken: ctx.task.tokenizer.eos };
}

/** The requests the engine can continue, with their jobs; the others are dead-lettered with its reason. */
async function dropRefused(ctx: ActorContext, engine: RolloutEngine, requests: Request[]): Promise<Array<{ request: Request; job: GenerationJob }>> {
  const answerable: Array<{ request: Request; job: GenerationJob }> = [];
  for (const request of requests) {
    const job = jobOf(ctx, request.value);
    const why = engine.refuse?.(job);
    if (why) await deadLetterRequest(ctx, request.msg, `rollout.request ${request.value.id}: engine ${engine.name} cannot answer it: ${why}`, 'refused');
    else answerable.push({ request, job });
  }
  return answerable;
}

/** A request that must never be answered nor come back: dead-lettered with `reason`, terminated, counted. */
async function deadLetterRequest(ctx: ActorContext, msg: JsMsg, reason: string, counter: string): Promise<void> {
  await quarantine(ctx, msg.subject, msg.data, reason);
  msg.term();
  count(ctx, counter);
}
