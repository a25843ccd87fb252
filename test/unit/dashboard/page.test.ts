import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CHARTS, chartFamilies } from '../../../src/dashboard/charts.ts';
import { dashboardPage, renderPage } from '../../../src/dashboard/page.ts';
import { varianceRecords } from '../../../streams/variance.ts';

describe('dashboard page', () => {
  it('page - the config is written into the script, with < escaped so it cannot close it', () => {
    const html = renderPage('<script>const CONFIG = /*CONFIG*/ null;</script>', { run: 'r1</script><b>$&', charts: [], keep: 5 });
    expect(html).toBe('<script>const CONFIG = {"run":"r1\\u003c/script>\\u003cb>$&","charts":[],"keep":5};</script>');
    expect(JSON.parse(html.slice('<script>const CONFIG = '.length, -';</script>'.length))).toEqual({ run: 'r1</script><b>$&', charts: [], keep: 5 });
  });

  it('page - a template without the placeholder is an error, not a page without config', () => {
    expect(() => renderPage('<html></html>', { run: 'r', charts: [], keep: 1 })).toThrow(/placeholder/);
  });

  it('page - the real template is self-contained: no external script, style or fetch beyond its own routes', () => {
    const html = dashboardPage({ run: 'exp1', charts: CHARTS, keep: 100 });
    expect(html).toContain('"run":"exp1"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    expect(html).toContain("new EventSource('events')");
  });

  it('charts - every variance field drawn is one the learner’s variance stream publishes', async () => {
    const record = await lastValueFrom(
      of({ step: 1, groups: [{ groupId: 'g', source: 'prefix' as const, rewards: [0, 1] }, { groupId: 'h', source: 'original' as const, rewards: [1, 1] }] }).pipe(varianceRecords(4)),
    );
    const drawn = CHARTS.flatMap((c) => c.series).filter((s) => s.metric === 'variance').map((s) => s.field);
    expect(drawn.length).toBeGreaterThan(0);
    for (const field of drawn) expect(Object.keys(record), field).toContain(field);
  });

  it('charts - the history keeps exactly the families the charts draw, refresh events included', () => {
    expect(chartFamilies(CHARTS).sort()).toEqual(['learner', 'pool', 'refresh', 'variance']);
    expect(chartFamilies([{ id: 'a', title: 'a', yLabel: 'y', series: [{ metric: 'groups.prefix', field: 'std', label: 'l', color: '#000' }] }])).toEqual(['groups']);
  });
});
