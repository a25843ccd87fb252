import type { Observable } from 'rxjs';
import { DeadLetterCounter } from '../../src/bus/dead-letter.ts';
import type { RawMsg } from '../../src/bus/decode-or-dead-letter.ts';
import type { Logger } from 'pino';
import { decode } from '../../src/protocol/codec.ts';
import type { MetricsRecord } from '../../src/protocol/index.ts';
import { metricNameOf } from '../../src/protocol/subject-check.ts';

/** Why an observer ended: a signal or a closed output (code 0), or its source failing (code 1). */
export interface ObserverEnd {
  code: number;
  reason: string;
}

/**
 * The life of a read-only metrics observer (`saturn monitor`, `saturn dashboard`): decoded records
 * go to `onRecord`; malformed ones are counted and skipped — an observer is no actor's edge, so it
 * never dead-letters — and logged once. SIGINT/SIGTERM or the end of the source finish it:
 * `ended` says why, and `stop()` unsubscribes and removes the signal handlers.
 */
export function observeMetrics(source: Observable<RawMsg>, log: Logger, on: { record(r: MetricsRecord): void; malformed?(): void }) {
  const malformed = new DeadLetterCounter();
  let finish!: (why: ObserverEnd) => void;
  const ended = new Promise<ObserverEnd>((resolve) => (finish = resolve));
  const onSignal = (signal: NodeJS.Signals) => finish({ code: 0, reason: signal });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const subscription = source.subscribe({
    next: (m) => {
      const r = decode(m.data, 'metrics.record');
      // A record claiming another metric than its subject's is as untrustworthy as a malformed one.
      if (r.ok && metricNameOf(m.subject) === r.value.name) return on.record(r.value);
      malformed.count(r.ok ? 'subject' : r.code);
      const reason = r.ok ? `metrics.record named ${JSON.stringify(r.value.name)} on subject ${m.subject}` : r.reason;
      // The first one is news; the rest are in the count.
      log[malformed.total === 1 ? 'warn' : 'debug']({ subject: m.subject, reason }, 'malformed metrics record skipped');
      on.malformed?.();
    },
    error: (e: unknown) => finish({ code: 1, reason: `metrics subscription failed: ${(e as Error).message ?? e}` }),
    complete: () => finish({ code: 1, reason: 'the connection to NATS closed' }),
  });
  return {
    malformed,
    ended,
    finish,
    stop() {
      subscription.unsubscribe();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
