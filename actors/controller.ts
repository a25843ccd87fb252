import { concatMap, from, lastValueFrom, takeUntil, defaultIfEmpty } from 'rxjs';
import { subscribe$ } from '../src/bus/observable.ts';
import { decode, encode } from '../src/protocol/codec.ts';
import { decodeOn } from '../src/protocol/subject-check.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { PoolEntry } from '../src/pool/entry.ts';
import { driftDecision, INITIAL_CONTROLLER_STATE, onStepSignal, refreshSignal, type ControllerState, type RefreshDecision } from '../src/refresh/policy.ts';
import { announceReady, count, publishMetrics, quarantine, watchPool, type ActorContext } from './context.ts';

/**
 * The refresh controller: watches the variance stream and the pool; when reward variance (or the
 * informative share) stays low for a window, or entries drift out of their band, it asks the
 * selector to re-probe and rebuild, and records every refresh with its cause on the metrics stream.
 */
export async function runControllerActor(ctx: ActorContext): Promise<Promise<void>> {
  const { bus, config } = ctx;
  let state: ControllerState = INITIAL_CONTROLLER_STATE;
  const pool = new Map<string, PoolEntry>();
  // Entries asked to rebuild, by question, with the generation they had: cleared once it changes.
  const refreshing = new Map<string, number>();
  watchPool(ctx, ({ questionId, entry }) => {
    if (entry) pool.set(questionId, entry);
    else pool.delete(questionId);
    if (refreshing.has(questionId) && refreshing.get(questionId) !== entry?.generation) refreshing.delete(questionId);
  });

  const refresh = async (d: RefreshDecision) => {
    for (const id of d.questionIds.length ? d.questionIds : [...pool.keys()]) refreshing.set(id, pool.get(id)?.generation ?? -1);
    const request = { ...envelope('control.request'), cmd: 'refresh' as const, args: { questionIds: d.questionIds.join(','), cause: d.cause } };
    let reprobed = -1;
    try {
      const reply = await ctx.nc.request(bus.names.subjects.control('refresh'), encode(request), { timeout: 10_000 });
      const r = decode(reply.data, 'control.reply');
      if (r.ok && typeof r.value.data?.reprobed === 'number') reprobed = r.value.data.reprobed;
    } catch (e) {
      ctx.log.warn({ err: e, cause: d.cause }, 'refresh request got no answer');
    }
    count(ctx, `refresh.${d.cause}`);
    publishMetrics(ctx, `refresh.${d.cause}`, d.step, { ...d.detail, questions: d.questionIds.length || pool.size, reprobed });
    ctx.log.info({ cause: d.cause, step: d.step, questions: d.questionIds.length || 'all', reprobed }, 'refresh');
  };

  const done = lastValueFrom(
    subscribe$(ctx.nc, bus.names.subjects.metrics('variance')).pipe(
      takeUntil(ctx.stopping$),
      concatMap((m) =>
        from(
          (async () => {
            const rec = decodeOn(m, 'metrics.record', bus.names);
            if (!rec.ok) return quarantine(ctx, m.subject, m.data, rec.reason);
            if (!config.refresh.enabled) return; // the ablation without refresh: watch, never act
            const signal = refreshSignal(rec.value);
            const r = onStepSignal(state, signal, config.refresh);
            state = r.state;
            if (r.decision) await refresh(r.decision);
            const drift = driftDecision([...pool.values()], signal.step, config.refresh, new Set(refreshing.keys()));
            if (drift) await refresh(drift);
          })(),
        ),
      ),
      defaultIfEmpty(undefined),
    ),
  );
  announceReady(ctx, { refresh: config.refresh });
  return done.then(() => undefined);
}
