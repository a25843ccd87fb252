import { parseFlags } from '../../src/cli/flags.ts';
import { JSON_FLAG } from '../../src/cli/common-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { listRuns } from '../../src/run/run-dir.ts';

const SPEC = {
  dir: { type: 'string', description: 'where runs are kept', default: 'runs' },
  json: JSON_FLAG,
} as const;

/** `saturn runs`: the runs `saturn up` left in runs/, oldest first: id, date, steps, outcome. */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('runs', argv, SPEC);
  if (positionals.length) throw new SaturnError(`runs: unexpected argument ${JSON.stringify(positionals[0])}`);
  const runs = listRuns(flags.dir);
  if (flags.json) {
    process.stdout.write(JSON.stringify(runs) + '\n');
    return 0;
  }
  if (!runs.length) {
    process.stdout.write(`no runs in ${flags.dir}/\n`);
    return 0;
  }
  const rows = [['run', 'date', 'steps', 'outcome'], ...runs.map((r) => [r.id, r.date.replace('T', ' ').slice(0, 19), r.steps === undefined ? '–' : String(r.steps), r.outcome])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]!))).join('  ') + '\n');
  return 0;
}
