import type { Comparison } from './aggregate.ts';

const W = 360;
const H = 240;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };
/** Width of one legend entry: room for a name like `prefix-norefresh`. */
const LEGEND_ENTRY = 140;
const COLOURS = ['#444444', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/**
 * A self-contained SVG (no scripts, fonts or links): accuracy and robustness per arm against
 * learner steps (top row) and rollouts spent (bottom row).
 */
export function chartSvg(c: Comparison, measures: Array<{ key: string; label: string }> = [
  { key: 'easy', label: 'easy accuracy' },
  { key: 'misleading', label: 'easy, misleading start' },
]): string {
  const arms = Object.entries(c.arms).filter(([, a]) => a.curve.length > 1);
  const panels: string[] = [];
  const axes: Array<{ x: 'step' | 'rollouts'; title: string }> = [
    { x: 'step', title: 'learner steps' },
    { x: 'rollouts', title: 'rollouts' },
  ];
  axes.forEach((axis, row) =>
    measures.forEach((m, col) => {
      const series = arms.map(([name, a], i) => ({
        name,
        colour: COLOURS[i % COLOURS.length]!,
        points: a.curve.map((p) => [axis.x === 'step' ? p.step : p.rollouts, p.values[m.key] ?? NaN] as const).filter(([, y]) => Number.isFinite(y)),
      }));
      panels.push(panel(col * W, row * H, `${m.label} vs ${axis.title}`, series));
    }),
  );
  const width = measures.length * W;
  // As many entries a row as fit: with nine arms one row ran off the right edge.
  const perRow = Math.max(1, Math.floor((width - 8) / LEGEND_ENTRY));
  const legend = arms.map(([name], i) => `<g transform="translate(${8 + (i % perRow) * LEGEND_ENTRY},${2 * H + 14 + Math.floor(i / perRow) * 16})"><rect width="12" height="3" y="-4" fill="${COLOURS[i % COLOURS.length]}"/><text x="16" font-size="11">${esc(name)}</text></g>`);
  const height = 2 * H + 10 + 16 * Math.ceil(arms.length / perRow);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${panels.join('')}${legend.join('')}</svg>\n`;
}

function panel(x0: number, y0: number, title: string, series: Array<{ name: string; colour: string; points: ReadonlyArray<readonly [number, number]> }>): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [xMin, xMax] = range(xs, 0);
  const [yMin, yMax] = range(ys, 0.01);
  const px = (x: number) => x0 + PAD.left + ((x - xMin) / (xMax - xMin)) * (W - PAD.left - PAD.right);
  const py = (y: number) => y0 + H - PAD.bottom - ((y - yMin) / (yMax - yMin)) * (H - PAD.top - PAD.bottom);
  const out: string[] = [`<text x="${x0 + W / 2}" y="${y0 + 16}" font-size="12" text-anchor="middle">${esc(title)}</text>`];
  out.push(`<rect x="${x0 + PAD.left}" y="${y0 + PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#bbb"/>`);
  for (const t of [0, 0.5, 1]) {
    const y = yMin + t * (yMax - yMin);
    out.push(`<text x="${x0 + PAD.left - 4}" y="${py(y) + 4}" font-size="10" text-anchor="end">${(y * 100).toFixed(1)}</text>`);
    const x = xMin + t * (xMax - xMin);
    out.push(`<text x="${px(x)}" y="${y0 + H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${Math.round(x)}</text>`);
  }
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.5"><title>${esc(s.name)}</title></path>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2" fill="${s.colour}"/>`);
  }
  return out.join('');
}

function range(values: number[], minSpan: number): [number, number] {
  if (!values.length) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < minSpan || hi === lo) {
    const mid = (hi + lo) / 2;
    lo = mid - Math.max(minSpan, 1e-9) / 2;
    hi = mid + Math.max(minSpan, 1e-9) / 2;
  }
  return [lo, hi];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
