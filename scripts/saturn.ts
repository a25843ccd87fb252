// saturn's command router: `saturn <command> [options]`. Each command module exports
// `run(argv): Promise<number | void>`; modules load lazily so `saturn curve` never loads NATS.
import { HelpRequested } from '../src/cli/flags.ts';
import { SaturnError } from '../src/errors.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number | void> }> }> = {
  up: { summary: 'the main job: every actor of a run, live progress, a summary at the end', load: () => import('./commands/up.ts') },
  pretrain: { summary: 'supervised warm start until the policy saturates the easy split', load: () => import('./commands/pretrain.ts') },
  curve: { summary: 'conditioned accuracy against failure-prefix length (--json)', load: () => import('./commands/curve.ts') },
  eval: { summary: 'accuracy per split, under misleading prefixes, response length (--json)', load: () => import('./commands/eval.ts') },
  replicate: { summary: 'the paper’s comparison: arms × seeds as real runs, one paired evaluation, report.md/json and a chart (--json)', load: () => import('./commands/replicate.ts') },
  actor: { summary: 'one actor of a run (rollout | selector | learner | controller) as its own process', load: () => import('./commands/actor.ts') },
  monitor: { summary: 'a running run’s metrics live in the terminal: status line, refresh events (--json, --replay)', load: () => import('./commands/monitor.ts') },
  dashboard: { summary: 'a running run’s metrics as live charts in the browser (prints the URL; --port, --live)', load: () => import('./commands/dashboard.ts') },
  export: { summary: 'a run’s results as files: prefixes (--format jsonl|csv, the paper’s columns) or checkpoint (--out F)', load: () => import('./commands/export.ts') },
  runs: { summary: 'past runs in runs/: id, date, steps, outcome', load: () => import('./commands/runs.ts') },
  serve: { summary: 'a checkpoint behind the OpenAI completions API (POST /v1/completions with logprobs, GET /v1/models)', load: () => import('./commands/serve.ts') },
  ctl: { summary: 'control a running run: status | stop | refresh (--run ID; every actor addressed answers)', load: () => import('./commands/ctl.ts') },
  dead: { summary: 'a run’s dead letters with their reasons (--run ID, --json)', load: () => import('./commands/dead.ts') },
  nats: { summary: 'a local nats-server with JetStream for development', load: () => import('./commands/nats.ts') },
  bench: { summary: 'benchmarks: core | bus (--json)', load: () => import('./commands/bench.ts') },
};

function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: saturn <command> [options]   (saturn <command> --help for its options)', '', ...rows].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`saturn: unknown command "${name}"; known: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    const code = await (await command.load()).run(rest);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(error.message + '\n');
      return 0;
    }
    if (error instanceof SaturnError) {
      // Argument, config and environment errors are for people: one line, no stack.
      process.stderr.write(`saturn ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
