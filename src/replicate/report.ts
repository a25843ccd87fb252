import { METRICS, type Comparison, type MetricResult } from './aggregate.ts';

/** What the report says about how it was made. */
export interface ReportContext {
  command: string;
  steps: number;
  budget?: number;
  eval: { questions: number; samples: number; seed: number; curveQuestions: number };
}

const pts = (x: number) => (x * 100).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const interval = (ci: [number, number]) => `[${signed(ci[0])}, ${signed(ci[1])}]`;

function cell(r: MetricResult | undefined, trained: boolean): string {
  if (!r) return '–';
  if (!trained) return pts(r.before);
  const vs = [r.vsBest, r.vsDefault].map((v) => (v ? `<br>vs ${v.arm}: ${signed(v.diff)} ${interval(v.ci95)}` : '')).join('');
  return `${pts(r.before)} → **${pts(r.after)}**<br>${signed(r.diff)} ${interval(r.ci95)}${vs}`;
}

/** `report.md`: the comparison in the paper's shape (arm × measure), budgets, and how to read it. */
export function reportMarkdown(c: Comparison, ctx: ReportContext): string {
  const metrics = METRICS.filter((m) => Object.values(c.arms).some((a) => a.accuracy[m.key]));
  const lines: string[] = [];
  lines.push('# saturn replicate: failure prefixes against the baselines', '');
  lines.push('```sh', ctx.command, '```', '');
  lines.push(
    `Every trained arm ran ${ctx.steps} learner steps${ctx.budget ? ` or until its rollout actors had generated ${ctx.budget} samples, whichever came first` : ''}, from the same checkpoint. ` +
      `Accuracy in points (mean reward at temperature 1); each evaluation: ${ctx.eval.questions} fresh questions per split × ${ctx.eval.samples} samples, eval seed ${ctx.eval.seed}, ` +
      'every checkpoint on the same questions and sampling stream; questions any run drew for training are left out of every comparison.',
    '',
  );
  lines.push('Cells: before → **after**, then after − before with its 95 % interval, and for the method arms the difference from the best baseline on that measure with its interval, and for the other method arms (ablations) from the default `prefix` (paired bootstrap over questions and seeds; see docs/replicate.md).', '');
  lines.push(`| arm | seeds | steps | ${metrics.map((m) => m.label).join(' | ')} |`);
  lines.push(`|---|---|---|${metrics.map(() => '---|').join('')}`);
  for (const [name, a] of Object.entries(c.arms)) {
    const trained = a.seeds > 0;
    lines.push(`| \`${name}\` | ${a.seeds || '–'} | ${trained ? a.steps.toFixed(1) : 0} | ${metrics.map((m) => cell(a.accuracy[m.key], trained)).join(' | ')} |`);
  }
  lines.push('', '## Rollouts spent (mean per run) and response length', '');
  const kinds = [...new Set(Object.values(c.arms).flatMap((a) => Object.keys(a.rolloutsByKind)))];
  const splits = Object.keys(c.questions);
  lines.push(`| arm | what it is | rollouts | ${kinds.join(' | ')} | ${splits.map((s) => `${s} tokens`).join(' | ')} |`);
  lines.push(`|---|---|---|${kinds.map(() => '---|').join('')}${splits.map(() => '---|').join('')}`);
  for (const [name, a] of Object.entries(c.arms)) {
    const tokens = splits.map((s) => (a.responseTokens[s] ? `${a.responseTokens[s]!.before.toFixed(1)} → ${a.responseTokens[s]!.after.toFixed(1)}` : '–'));
    lines.push(`| \`${name}\` | ${a.description} | ${Math.round(a.rollouts)} | ${kinds.map((k) => Math.round(a.rolloutsByKind[k] ?? 0)).join(' | ')} | ${tokens.join(' | ')} |`);
  }
  lines.push('', '## Questions', '');
  for (const [split, q] of Object.entries(c.questions)) lines.push(`- ${split}: ${q.evaluated} evaluated, ${q.excluded} left out (drawn by a run for training), ${q.compared} compared`);
  lines.push('', `![accuracy and robustness against steps and rollouts](chart.svg)`, '');
  lines.push(`Curves: the mean over seeds, measured on the first ${ctx.eval.curveQuestions} questions of the eval set.`, '');
  return lines.join('\n');
}
