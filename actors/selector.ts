import { concatMap, defaultIfEmpty, from, interval, lastValueFrom, merge, takeUntil } from 'rxjs';
import { decodeOrDeadLetter } from '../src/bus/decode-or-dead-letter.ts';
import { SeenSet } from '../src/bus/idempotency.ts';
import { consume$, subscribe$ } from '../src/bus/observable.ts';
import { publishJs } from '../src/bus/publish.ts';
import { consumerIdle } from '../src/bus/queued.ts';
import { latestWeights } from '../src/bus/weights.ts';
import { decode, encode } from '../src/protocol/codec.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { RolloutResult } from '../src/protocol/messages.ts';
import { countInBand, type PoolEntry } from '../src/pool/entry.ts';
import { prefixSlotsPerStep } from '../src/learner/plan.ts';
import { Outstanding } from '../src/run/outstanding.ts';
import { poolKey, rolloutRequest } from '../src/run/requests.ts';
import { initialSelectorState, selectorMode, type SelectorOutput, type SelectorSettings, type SelectorState } from '../src/selector/state.ts';
import { onProbeResult, onRefresh, onSweepResult, onTrainResult, parseEntryGroup, parseSweepGroup, sweepTarget, topUp } from '../src/selector/step.ts';
import { hashString } from '../src/tasks/rng.ts';
import { announceReady, count, deadLetterSink, durably, finishBeforeStop, publishMetrics, quarantine, type ActorContext } from './context.ts';
import { putPoolEntry, readPoolEntries } from '../src/bus/pool.ts';
import { readCounter } from '../src/bus/state.ts';

/** Every valid pool entry in the KV bucket (a restarted selector continues from them); bad ones are dead-lettered. */
export function readPool(ctx: ActorContext): Promise<PoolEntry[]> {
  return readPoolEntries(ctx.bus.pool, deadLetterSink(ctx));
}

/**
 * The prefix-selector actor: keeps the pool topped up with failure prefixes of saturated
 * questions (probe → sweep → select closest to τ), folds every training group into its entry's p̂,
 * and rebuilds entries when the controller asks for a refresh. For the learner's other prompt
 * sources it only probes, or does nothing (`selectorMode`).
 */
export async function runSelectorActor(ctx: ActorContext): Promise<Promise<void>> {
  const { bus, config, task } = ctx;
  const settings: SelectorSettings = { ...config.selector, questionSeed: hashString(ctx.run), learnerMinPool: config.learner.minPool, mode: selectorMode(config.learner.source) };
  // Start-up reads ride out a broker that does not answer yet (a fresh R3 bucket on a loaded
  // cluster timed out its first get, and the selector exited: the run waited for a pool for ever).
  const cursor = await durably(ctx, 'cursor read', () => readCounter(bus.state, bus.names.stateKeys.selectorCursor, deadLetterSink(ctx)));
  // The lag over as many training groups as the learner's window holds prefix groups.
  const lagGroups = config.learner.lagSteps * prefixSlotsPerStep(config.learner);
  const state: SelectorState = initialSelectorState(await durably(ctx, 'pool read', () => readPool(ctx)), cursor ?? 0, lagGroups);
  const seen = new SeenSet(65_536);
  let policyVersion = 0;
  const refreshVersion = async () => {
    const latest = await latestWeights({ names: bus.names, state: bus.state, store: bus.weights }).catch(() => undefined);
    if (latest?.ok) policyVersion = Math.max(policyVersion, latest.value.version);
    ctx.policyVersion = policyVersion;
  };
  await refreshVersion();

  // Probes and sweeps whose result does not come are issued again (a new attempt), or the
  // question would stay in `probing`/`sweeps` for the rest of the run.
  const unanswered = new Outstanding(3 * config.rollout.ackWaitSeconds * 1000);
  const execute = (outputs: SelectorOutput[]) => finishBeforeStop(ctx, publishOutputs(outputs));
  const publishOutputs = async (outputs: SelectorOutput[]) => {
    for (const o of outputs) {
      if (o.type === 'request') {
        const r = o.request;
        // Probes and sweeps must describe the current policy: require the latest announced version.
        const msg = rolloutRequest(task, config.sampling, { run: ctx.run, kind: r.kind, id: `${r.kind}:${r.key}`, groupId: r.groupId, question: r.question, prefix: r.prefix, n: r.n, minPolicyVersion: policyVersion });
        unanswered.sent(msg, Date.now());
        await durably(ctx, 'request', () => publishJs(bus.js, bus.names.subjects.rolloutRequest(r.kind), msg));
        count(ctx, 'sent');
        count(ctx, `sent.${r.kind}`);
      } else if (o.type === 'pool-put') {
        await durably(ctx, 'pool put', () => putPoolEntry(bus.pool, o.entry));
      } else {
        await durably(ctx, 'pool delete', () => bus.pool.delete(poolKey(o.questionId)));
        ctx.log.info({ questionId: o.questionId, reason: o.reason }, 'pool entry retired');
      }
    }
    await durably(ctx, 'cursor', () => bus.state.put(bus.names.stateKeys.selectorCursor, String(state.nextQuestion)));
  };

  const handle = async (r: RolloutResult) => {
    if (r.kind !== 'train') unanswered.answered(r.id);
    if (!seen.add(`${r.kind}:${r.id}`)) {
      count(ctx, 'duplicates');
      return;
    }
    const rewards = r.samples.map((s) => s.reward);
    const now = Date.now();
    if (r.kind === 'probe') {
      count(ctx, 'completed');
      await execute(onProbeResult(state, settings, task, { questionId: r.questionId, groupId: r.groupId, rewards, completions: r.samples.map((s) => s.tokens), policyVersion: r.policyVersion }, now));
    } else if (r.kind === 'sweep') {
      count(ctx, 'completed');
      const g = parseSweepGroup(r.groupId);
      if (g) await execute(onSweepResult(state, settings, { questionId: g.questionId, candidate: g.candidate, rewards, policyVersion: r.policyVersion }, now));
    } else if (r.kind === 'train') {
      const g = parseEntryGroup(r.groupId);
      if (g) await execute(onTrainResult(state, { questionId: g.questionId, generation: g.generation, rewards, policyVersion: r.policyVersion }, now));
    }
  };

  // Refresh requests from the controller (or a person): re-probe and rebuild the named entries.
  subscribe$(ctx.nc, bus.names.subjects.control('refresh'))
    .pipe(
      concatMap((m) =>
        from(
          (async () => {
            const req = decode(m.data, 'control.request');
            if (!req.ok) {
              await quarantine(ctx, m.subject, m.data, req.reason);
              return m.reply ? m.respond(encode({ ...envelope('control.reply'), requestId: 'unknown', ok: false, error: req.reason })) : undefined;
            }
            const ids = typeof req.value.args?.questionIds === 'string' && req.value.args.questionIds ? req.value.args.questionIds.split(',') : [];
            await refreshVersion();
            const outputs = onRefresh(state, settings, ids);
            await execute(outputs);
            count(ctx, 'refreshes');
            if (m.reply) m.respond(encode({ ...envelope('control.reply'), requestId: req.value.id, ok: true, data: { reprobed: outputs.length } }));
          })(),
        ),
      ),
      takeUntil(ctx.stopping$),
    )
    .subscribe({ error: (e) => ctx.log.error({ err: e }, 'refresh handling failed') });

  // Keep the pool topped up and report it.
  interval(500)
    .pipe(
      concatMap(() => from(refreshVersion().then(() => (ctx.stopRequested ? undefined : execute(topUp(state, settings, task, policyVersion)))))),
      takeUntil(ctx.stopping$),
    )
    .subscribe({ error: (e) => ctx.log.error({ err: e }, 'top-up failed') });
  interval(2_000)
    .pipe(
      concatMap(() => from(finishBeforeStop(ctx, reissueOverdue()))),
      takeUntil(ctx.stopping$),
    )
    .subscribe({ error: (e) => ctx.log.error({ err: e }, 're-issue failed') });
  const idle = async (kind: 'probe' | 'sweep') =>
    (await consumerIdle(bus.jsm, bus.names.streams.requests, bus.names.consumers.rollout(kind))) &&
    consumerIdle(bus.jsm, bus.names.streams.results, bus.names.consumers.results(kind, 'selector'));
  const reissueOverdue = async () => {
    if (!unanswered.overdueCount(Date.now()) || !(await idle('probe')) || !(await idle('sweep'))) return;
    const again = unanswered.overdue(Date.now());
    if (again.length) ctx.log.warn({ requests: again.length, attempt: again[0]!.request.attempt }, 'results overdue; re-issuing their requests');
    for (const { request, msgId } of again) {
      if (ctx.stopRequested) return;
      await durably(ctx, 'request', () => publishJs(bus.js, bus.names.subjects.rolloutRequest(request.kind), request, { msgID: msgId }));
      count(ctx, 'resent');
    }
  };
  interval(2_000)
    .pipe(takeUntil(ctx.stopping$))
    .subscribe(() => {
      const pHats = [...state.pool.values()].map((e) => e.pHat);
      publishMetrics(ctx, 'pool', 0, {
        size: pHats.length,
        meanPHat: pHats.length ? pHats.reduce((a, b) => a + b, 0) / pHats.length : NaN,
        minPHat: pHats.length ? Math.min(...pHats) : NaN,
        maxPHat: pHats.length ? Math.max(...pHats) : NaN,
        inBandShare: pHats.length ? countInBand(state.pool.values(), settings.band) / pHats.length : NaN,
        drawLag: state.lag.value,
        sweepTarget: sweepTarget(state, settings),
        sweeps: state.sweeps.size,
        probing: state.probing.size,
        unanswered: unanswered.size,
        ...state.counters,
      });
    });

  const kinds = ['probe', 'sweep', 'train'] as const;
  const consumers = await Promise.all(kinds.map((k) => durably(ctx, 'results consumer', () => bus.js.consumers.get(bus.names.streams.results, bus.names.consumers.results(k, 'selector')))));
  const sink = { js: bus.js, run: ctx.run, actor: ctx.actorId, counter: ctx.deadLetters };
  const ready = { pool: state.pool.size, cursor: state.nextQuestion };
  const done = lastValueFrom(
    merge(...consumers.map((c) => consume$(c, { maxMessages: 64 }))).pipe(
      takeUntil(ctx.stopping$),
      decodeOrDeadLetter('rollout.result', sink),
      concatMap(({ msg, value }) =>
        from(
          handle(value).then(
            () => msg.ack(),
            (e) => {
              ctx.log.error({ err: e }, 'result handling failed');
              seen.delete(`${value.kind}:${value.id}`); // let the redelivery be handled
              msg.nak(1_000);
            },
          ),
        ),
      ),
      defaultIfEmpty(undefined),
    ),
  );
  announceReady(ctx, ready);
  return done.then(() => undefined);
}
