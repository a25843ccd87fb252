/**
 * A finished run's `report.html`: the dashboard's charts as one static, self-contained page built
 * from the run's metrics records, with the summary in words above them. Pure: summary and
 * records in, HTML out.
 */
import { CHARTS, chartFamilies } from '../dashboard/charts.ts';
import { History } from '../dashboard/history.ts';
import { dashboardPage } from '../dashboard/page.ts';
import type { MetricsRecord } from '../protocol/messages.ts';

/** Records kept per charted family, as the dashboard keeps them. */
export const REPORT_KEEP = 20_000;

/** The records a report draws, bounded like the dashboard's history. */
export function reportRecorder(keep = REPORT_KEEP) {
  const history = new History<MetricsRecord>(chartFamilies(CHARTS), keep);
  return { add: (r: MetricsRecord) => history.add(r.name, r), records: () => history.toArray() };
}

interface SplitResult {
  questions: number;
  samplesPerQuestion: number;
  accuracy: number;
  misleadingAccuracy?: number;
}
interface Family {
  groups: number;
  informativeShare: number;
  meanRewardStd: number;
}
/** The fields of `saturn up`'s summary the words are made from (all optional: a run may stop early). */
export interface ReportSummary {
  run: string;
  steps?: number;
  seconds?: number;
  interrupted?: boolean;
  learnerExitCode?: number | null;
  refreshes?: Array<{ cause: string }>;
  groups?: { original?: Family; prefix?: Family };
  requests?: { sent?: number; completed?: number; outstanding?: number; lost?: number; deadLettered?: number };
  accuracy?: { before?: Record<string, SplitResult>; after?: Record<string, SplitResult> };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;

/**
 * The change from `a` to `b` (shares of `n` samples each) in words, with a 95 % normal interval
 * of the difference. Samples of one question are correlated, so the interval is too narrow if
 * anything; a change whose interval holds 0 is called unclear.
 */
export function changeInWords(label: string, a: number, b: number, n: number): string {
  const d = b - a;
  const half = 1.96 * Math.sqrt((a * (1 - a)) / n + (b * (1 - b)) / n);
  const verdict = d - half > 0 ? 'improved' : d + half < 0 ? 'got worse' : 'no clear change';
  return `${label}: ${pct(a)} → ${pct(b)}, ${points(d)} points (95% interval ${points(d - half)} to ${points(d + half)}; ${n} samples each): ${verdict}.`;
}

/** The summary in sentences: how the run ended, what changed and by how much, what the groups were worth. */
export function summaryNotes(s: ReportSummary): string[] {
  const notes: string[] = [];
  const ended = s.interrupted ? 'was interrupted' : s.learnerExitCode === 0 ? 'finished' : `failed (learner exit code ${s.learnerExitCode})`;
  notes.push(`The run ${ended} after ${s.steps ?? 0} learner steps${s.seconds === undefined ? '' : ` in ${(s.seconds / 60).toFixed(1)} min`}.`);
  const before = s.accuracy?.before ?? {};
  const after = s.accuracy?.after ?? {};
  for (const [split, b] of Object.entries(before)) {
    const a = after[split];
    if (!a) continue;
    const n = Math.min(b.questions * b.samplesPerQuestion, a.questions * a.samplesPerQuestion);
    notes.push(changeInWords(`Accuracy on ${split}`, b.accuracy, a.accuracy, n));
    if (b.misleadingAccuracy !== undefined && a.misleadingAccuracy !== undefined) notes.push(changeInWords(`Accuracy on ${split} from a misleading start`, b.misleadingAccuracy, a.misleadingAccuracy, n));
  }
  if (!Object.keys(before).length || !Object.keys(after).length) notes.push('No before/after evaluation (skipped, or the run stopped before it).');
  const { prefix, original } = s.groups ?? {};
  const family = (f: Family | undefined, name: string) => (f && f.groups ? `${name} groups (${f.groups}) had mean reward std ${f.meanRewardStd.toFixed(3)}, ${pct(f.informativeShare)} informative` : `no ${name} groups`);
  notes.push(`Training signal: ${family(prefix, 'prefix')}; ${family(original, 'original')}.`);
  const causes = new Map<string, number>();
  for (const r of s.refreshes ?? []) causes.set(r.cause, (causes.get(r.cause) ?? 0) + 1);
  notes.push(causes.size ? `Refreshes: ${[...causes].map(([c, k]) => `${k} × ${c}`).join(', ')}.` : 'No refreshes.');
  const r = s.requests;
  if (r) notes.push(`Rollout requests: ${r.sent ?? 0} sent, ${r.completed ?? 0} completed, ${r.outstanding ?? 0} still queued at the end, ${r.lost ?? 0} lost, ${r.deadLettered ?? 0} dead-lettered.`);
  return notes;
}

/** report.html for a run: its records drawn as the dashboard draws them, marked finished. */
export function reportPage(summary: ReportSummary, records: readonly MetricsRecord[]): string {
  // NaN and ±∞ become null, as on the dashboard's event stream.
  const json = JSON.parse(JSON.stringify(records)) as unknown[];
  return dashboardPage({ run: summary.run, charts: CHARTS, keep: REPORT_KEEP, records: json, finished: true, notes: summaryNotes(summary) });
}
