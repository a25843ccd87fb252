/**
 * The dashboard's page and a run's report.html in a real headless Chromium: the page's script
 * runs, draws every chart on learner steps with whole-number x ticks and shares as percentages,
 * says "finished" once the learner has, and fits a 400 px phone without sideways scroll.
 * Skipped, saying so, only on a machine without a browser (scripts/setup.sh --browser installs one).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupRun } from '../../../src/bus/index.ts';
import { envelope, type MetricsRecord } from '../../../src/protocol/index.ts';
import { reportPage } from '../../../src/run/report.ts';
import { findChromium, launchBrowser, watchedPage, type Browser, type Page } from '../../helpers/browser.ts';
import { publishRecord as publish, useCommand } from '../../helpers/command.ts';
import { useNatsServer } from '../../helpers/nats.ts';
import { until } from '../../helpers/wait.ts';

const chromium = findChromium();
if (!chromium) console.warn('dashboard browser test skipped: no Chromium on this machine (scripts/setup.sh --browser installs Debian’s chromium)');

const nats = useNatsServer();
const spawnDashboard = useCommand('dashboard');

/** A short run's records: steps 1…5 of variance and learner, pool records between them, one refresh, then learner.done. */
function runRecords(): Array<{ name: string; step: number; values: Record<string, number> }> {
  const out: Array<{ name: string; step: number; values: Record<string, number> }> = [];
  for (let step = 1; step <= 5; step++) {
    out.push({ name: 'pool', step: 0, values: { size: 6 + step, meanPHat: 0.5 + step / 50, inBandShare: 0.8 } });
    out.push({ name: 'variance', step, values: { meanRewardStd: 0.3, windowMeanRewardStd: 0.32, prefixMeanRewardStd: 0.41 + step / 100, prefixInformativeShare: 0.875, originalMeanRewardStd: 0.1, originalInformativeShare: 0.25 } });
    out.push({ name: 'learner', step, values: { rewardMean: 0.55 + step / 50, approxKl: 0.001 * step } });
  }
  out.push({ name: 'refresh.drift', step: 3, values: { questions: 2, reprobed: 2 } });
  out.push({ name: 'learner.done', step: 5, values: { step: 5, version: 5 } });
  return out;
}

/** What the page drew: header state, tick labels per chart, and whether it scrolls sideways. */
function drawn(page: Page) {
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    ticks: (window as unknown as { saturnDrawn: Record<string, { x: string[]; y: string[] }> }).saturnDrawn,
    scrollWidth: document.documentElement.scrollWidth,
    notes: [...document.querySelectorAll('#notes li')].map((li) => li.textContent ?? ''),
  }));
}

function expectCharts(d: Awaited<ReturnType<typeof drawn>>, width: number) {
  expect(d.state).toBe('finished');
  expect(d.scrollWidth).toBeLessThanOrEqual(width);
  for (const [id, t] of Object.entries(d.ticks)) {
    expect(t.x.length, id).toBeGreaterThan(1);
    for (const x of t.x) expect(x, `${id} x tick`).toMatch(/^\d+$/);
  }
  for (const id of ['informative', 'pool', 'reward']) for (const y of d.ticks[id]!.y) expect(y, `${id} y tick`).toMatch(/^\d+(\.\d+)?%$/);
  // Round y ticks: 0, 0.1, 0.2 … never 0.537; the top one above the largest value (0.46), so no line is clipped.
  for (const y of d.ticks.std!.y) expect(y).toMatch(/^0(\.\d)?$/);
  expect(d.ticks.std!.y.at(-1)).toBe('0.5');
}

describe.skipIf(!chromium)('dashboard in a browser', () => {
  let browser: Browser;
  let close: () => Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), 'saturn-report-'));
  beforeAll(async () => ({ browser, close } = await launchBrowser(chromium!)), 30_000);
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dashboard page - a finished run at 1280 and 400 px: integer step ticks, shares in %, "finished", no sideways scroll, no console errors', async () => {
    const run = nats.runId();
    const nc = await nats.connect();
    const bus = await setupRun(nc, run);
    for (const r of runRecords()) publish(bus, nc, r.name, r.step, r.values);
    await until(async () => (await bus.jsm.streams.info(bus.names.streams.metrics)).state.messages === runRecords().length, 5_000, 'records stored');

    const d = spawnDashboard(['--run', run, '--nats', nats.url, '--port', '0', '--dir', dir]);
    await until(() => d.stdout().includes('\n'), 15_000, 'dashboard URL');
    const url = /dashboard: (\S+)/.exec(d.stdout())![1]!;
    for (const width of [1280, 400]) {
      const { page, errors } = await watchedPage(browser, width);
      await page.goto(url);
      await page.waitForFunction('document.body.dataset.state === "finished"', { timeout: 10_000 });
      const seen = await drawn(page);
      expectCharts(seen, width);
      expect(errors).toEqual([]);
      await page.close();
    }
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
  }, 60_000);

  it('report.html - renders from the records alone with the summary in words, no console errors', async () => {
    const records = runRecords().map((r, i) => ({ ...envelope('metrics.record'), ts: 1_700_000_000_000 + i * 1000, ...r }) as MetricsRecord);
    const summary = {
      run: 'r1',
      steps: 5,
      learnerExitCode: 0,
      accuracy: { before: { easy: { questions: 256, samplesPerQuestion: 4, accuracy: 0.9 } }, after: { easy: { questions: 256, samplesPerQuestion: 4, accuracy: 0.95 } } },
    };
    const file = join(dir, 'report.html');
    writeFileSync(file, reportPage(summary, records));
    const { page, errors } = await watchedPage(browser, 400);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction('document.body.dataset.state === "finished"', { timeout: 10_000 });
    const seen = await drawn(page);
    expectCharts(seen, 400);
    expect(seen.notes.join('\n')).toMatch(/Accuracy on easy: 90\.0% → 95\.0%, \+5\.0 points \(95% interval \+2\.\d to \+7\.\d; 1024 samples each\): improved\./);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
