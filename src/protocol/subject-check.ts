/**
 * What the schema cannot see: whether a valid message belongs on the subject it arrived on. A
 * request names its run and kind, a result its kind, a metrics record its name; each must agree
 * with the subject, or a record published on `metrics.learner` could claim to be any metric (a
 * forged `learner` step of 987654321) and another run's request could be served here.
 */
import { decode, type DecodeResult } from './codec.ts';
import type { Message, MessageByType, MessageType } from './messages.ts';
import type { RunNames } from './subjects.ts';

/**
 * `decode` plus {@link subjectMismatch}: the message of type `type` in `msg.data` when it is
 * valid and belongs on `msg.subject`, or why not (never throws). For receivers that take core
 * NATS messages one by one; streams go through `decodeOrDeadLetter`, which does the same.
 */
export function decodeOn<T extends MessageType>(msg: { subject: string; data: Uint8Array }, type: T, names: RunNames): DecodeResult<MessageByType[T]> {
  const r = decode(msg.data, type);
  const wrong = r.ok ? subjectMismatch(r.value, msg.subject, names) : undefined;
  return wrong ? { ok: false, code: 'invalid', reason: wrong.reason } : r;
}

/** Why `msg` does not belong on `subject`, with a cause for counters; undefined when it does. */
export function subjectMismatch(msg: Message, subject: string, names: RunNames): { cause: string; reason: string } | undefined {
  if (msg.type === 'rollout.request') {
    if (msg.run !== names.run) return { cause: 'foreign', reason: `rollout.request of run ${JSON.stringify(msg.run)} on run ${names.run}'s subject ${subject}` };
    if (subject !== names.subjects.rolloutRequest(msg.kind)) return mismatch(msg.type, `kind ${msg.kind}`, subject);
  } else if (msg.type === 'rollout.result') {
    if (subject !== names.subjects.rolloutResult(msg.kind)) return mismatch(msg.type, `kind ${msg.kind}`, subject);
  } else if (msg.type === 'metrics.record') {
    if (!sameMetric(msg.name, subject, names)) return mismatch(msg.type, `name ${JSON.stringify(msg.name)}`, subject);
  }
  return undefined;
}

function sameMetric(name: string, subject: string, names: RunNames): boolean {
  return subject.startsWith(`saturn.${names.run}.`) && metricNameOf(subject) === name;
}

/**
 * The `<name>` of metrics subject `saturn.<run>.metrics.<name>` (a run id holds no `.`), or
 * undefined for any other subject: what a reader that knows no run checks a record's name against.
 */
export function metricNameOf(subject: string): string | undefined {
  return /^saturn\.[A-Za-z0-9_-]+\.metrics\.(.+)$/.exec(subject)?.[1];
}

function mismatch(type: string, what: string, subject: string): { cause: string; reason: string } {
  return { cause: 'subject', reason: `${type} with ${what} does not belong on subject ${subject}` };
}
