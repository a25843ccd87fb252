/**
 * What a run leaves in `runs/<id>/` besides its actors' logs, so it can be looked at after
 * `saturn up` has exited: `nats/` (the embedded broker's store), `summary.json`, `report.html`,
 * and, while it runs, `live.json` (the embedded broker's URL and the process that owns it).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The files of run `id` under `dir`. */
export function runPaths(dir: string, id: string) {
  const root = resolve(dir, id);
  return { root, nats: join(root, 'nats'), summary: join(root, 'summary.json'), report: join(root, 'report.html'), live: join(root, 'live.json') };
}
export type RunPaths = ReturnType<typeof runPaths>;

/**
 * Records that this process serves the run's broker at `url` (removed by {@link clearLive}), with
 * the broker's token if it has one: readable by this user only, so `monitor`, `dashboard` and
 * `export` can join the live run without the token on their command line.
 */
export async function markLive(paths: RunPaths, url: string, token?: string): Promise<void> {
  await rm(paths.live, { force: true }); // a new file gets the mode; an old one would keep its own
  await writeFile(paths.live, JSON.stringify({ url, token, pid: process.pid, startedAt: new Date().toISOString() }) + '\n', { mode: 0o600 });
}

export async function clearLive(paths: RunPaths): Promise<void> {
  await rm(paths.live, { force: true });
}

/** The URL of the run's broker while the `saturn up` that serves it is alive, else undefined. */
export function liveUrl(paths: RunPaths): string | undefined {
  return liveBroker(paths)?.url;
}

/** The URL (and token, when it has one) of the run's broker while the `saturn up` serving it is alive. */
export function liveBroker(paths: RunPaths): { url: string; token?: string } | undefined {
  const live = readJson(paths.live) as { url?: string; token?: string; pid?: number } | undefined;
  if (!live?.url || !live.pid) return undefined;
  try {
    process.kill(live.pid, 0); // signal 0: does the process exist
    return { url: live.url, token: typeof live.token === 'string' ? live.token : undefined };
  } catch {
    return undefined;
  }
}

/** The run's summary.json, or undefined when the run has none (yet). */
export function readSummary(paths: RunPaths): Record<string, unknown> | undefined {
  return readJson(paths.summary) as Record<string, unknown> | undefined;
}

/** One past (or running) run, as `saturn runs` lists it. */
export interface RunListing {
  id: string;
  /** When it started (summary), else when its directory was made. */
  date: string;
  steps: number | undefined;
  outcome: string;
}

/** The runs under `dir`, oldest first. */
export function listRuns(dir: string): RunListing[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => listing(dir, d.name))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function listing(dir: string, id: string): RunListing {
  const paths = runPaths(dir, id);
  const s = readSummary(paths);
  const date = typeof s?.startedAt === 'string' ? s.startedAt : statSync(paths.root).mtime.toISOString();
  return { id, date, steps: typeof s?.steps === 'number' ? s.steps : undefined, outcome: outcome(paths, s) };
}

/** In words: running, finished, interrupted, failed (with the learner's exit code), or unknown. */
export function outcome(paths: RunPaths, s: Record<string, unknown> | undefined): string {
  if (liveUrl(paths)) return 'running';
  if (!s) return 'no summary (stopped before the end)';
  if (s.interrupted) return 'interrupted';
  return s.learnerExitCode === 0 ? 'finished' : `failed (learner exit code ${s.learnerExitCode})`;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
