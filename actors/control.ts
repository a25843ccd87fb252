/**
 * The control commands every actor answers, whatever its kind: `status` (what it is doing) and
 * `stop` (drain and exit, like SIGTERM). `refresh` is the selector's own (actors/selector.ts).
 * A request may name one actor (`args.actor`) or one kind (`args.kind`); the others stay silent,
 * so `saturn ctl` collects one reply per actor addressed.
 */
import type { Msg } from '@nats-io/transport-node';
import { mergeMap, from, takeUntil } from 'rxjs';
import { subscribe$ } from '../src/bus/observable.ts';
import { decode, encode } from '../src/protocol/codec.ts';
import { envelope } from '../src/protocol/envelope.ts';
import type { ControlRequest, ControlValue } from '../src/protocol/messages.ts';
import { quarantine, requestStop, type ActorContext } from './context.ts';

const started = Date.now();

/** Answers `status` and `stop` on the run's control subjects until the actor stops. */
export function answerControl(ctx: ActorContext): void {
  for (const cmd of ['status', 'stop'] as const) {
    subscribe$(ctx.nc, ctx.bus.names.subjects.control(cmd))
      .pipe(
        mergeMap((m) => from(handle(ctx, cmd, m))),
        takeUntil(ctx.stopping$),
      )
      .subscribe({ error: (e) => ctx.log.error({ err: e, cmd }, 'control handling failed') });
  }
}

async function handle(ctx: ActorContext, cmd: 'status' | 'stop', m: Msg): Promise<void> {
  const req = decode(m.data, 'control.request');
  if (!req.ok) {
    await quarantine(ctx, m.subject, m.data, req.reason);
    if (m.reply) m.respond(encode({ ...envelope('control.reply'), requestId: 'unknown', ok: false, error: req.reason }));
    return;
  }
  if (!addressed(ctx, req.value)) return;
  const data: Record<string, ControlValue> = { actor: ctx.actorId, kind: ctx.kind, pid: process.pid };
  if (cmd === 'status') {
    Object.assign(data, {
      policyVersion: ctx.policyVersion,
      inFlight: ctx.inFlight,
      stopping: ctx.stopRequested,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      deadLettered: ctx.deadLetters.total,
    });
    for (const [name, value] of Object.entries(ctx.counters)) data[`counters.${name}`] = value;
  }
  if (m.reply) m.respond(encode({ ...envelope('control.reply'), requestId: req.value.id, ok: true, data }));
  if (cmd === 'stop') {
    ctx.log.info({ requestId: req.value.id }, 'stop requested over the control subject: draining');
    requestStop(ctx);
  }
}

function addressed(ctx: ActorContext, req: ControlRequest): boolean {
  const { actor, kind } = req.args ?? {};
  return (actor === undefined || actor === ctx.actorId) && (kind === undefined || kind === ctx.kind);
}
