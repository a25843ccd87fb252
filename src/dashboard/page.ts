import { readFileSync } from 'node:fs';
import type { ChartSpec } from './charts.ts';

const TEMPLATE = new URL('./page.html', import.meta.url);

/** What the page is told when served. */
export interface PageConfig {
  run: string;
  charts: readonly ChartSpec[];
  /** Points kept per series, as many as the server keeps records per family. */
  keep: number;
  /** A static page (report.html): every record is in the page and no event stream is opened. */
  records?: unknown[];
  /** The run has ended: the header says so. */
  finished?: boolean;
  /** Sentences shown above the charts (the run's summary in words). */
  notes?: string[];
}

/**
 * The dashboard page for `config`: the template with the config written into its script. `<` is
 * escaped so no value can close the script element.
 */
export function renderPage(template: string, config: PageConfig): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  if (!template.includes('/*CONFIG*/ null')) throw new Error('dashboard page template: no /*CONFIG*/ placeholder');
  return template.replace('/*CONFIG*/ null', () => json);
}

/** The page from src/dashboard/page.html. */
export function dashboardPage(config: PageConfig): string {
  return renderPage(readFileSync(TEMPLATE, 'utf8'), config);
}
