import { NATS_ENV } from '../../src/cli/nats-flags.ts';
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricsRecord } from '../../src/protocol/messages.ts';
import { reportPage, type ReportSummary } from '../../src/run/report.ts';
import { clearLive, type RunPaths } from '../../src/run/run-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/saturn.mjs', import.meta.url));

/**
 * How to run saturn from where the user is, for lines meant to be pasted: a bare `saturn` is on
 * nobody's PATH after a clone, so it is `node <path of bin/saturn.mjs>` (relative when shorter).
 */
export function saturnCommand(cwd = process.cwd()): string {
  const rel = relative(cwd, BIN);
  const path = rel.length < BIN.length ? rel : BIN;
  return `node ${path.includes(' ') ? JSON.stringify(path) : path}`;
}

/**
 * What `saturn up` prints at start: how to watch or join the run. With the embedded broker,
 * `monitor` and `dashboard` find it (and, after the run, its store) from runs/<id>/ by themselves.
 */
export function hintLines(run: string, url: string, embedded: boolean, dir: string, token?: string): string {
  const saturn = saturnCommand();
  // monitor and dashboard read the token from runs/<id>/live.json; an actor may run elsewhere.
  const secret = token ? `${NATS_ENV.token}=${token} ` : '';
  const where = embedded ? (dir === 'runs' ? '' : ` --dir ${dir}`) : ` --nats ${url}`;
  return [
    `watch it live:      ${saturn} monitor --run ${run}${where}`,
    `or in a browser:    ${saturn} dashboard --run ${run}${where}   (also after the run ends)`,
    `add a rollout actor: ${secret}${saturn} actor rollout --run ${run} --nats ${url}`,
    '',
  ].join('\n');
}

/** Writes runs/<id>/summary.json and report.html and removes the live marker: the run can be looked at after this process. */
export async function writeRunFiles(paths: RunPaths, summary: ReportSummary, records: readonly MetricsRecord[]): Promise<void> {
  await writeFile(paths.summary, JSON.stringify(summary, null, 2) + '\n');
  await writeFile(paths.report, reportPage(summary, records));
  await clearLive(paths);
}
