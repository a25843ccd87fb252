import { HelpRequested } from '../../src/cli/flags.ts';
import { SaturnError } from '../../src/errors.ts';

const BENCHES: Record<string, () => Promise<{ run: (argv: string[]) => Promise<number> }>> = {
  core: () => import('../bench-core.ts'),
  bus: () => import('../bench-bus.ts'),
};

/** `saturn bench <core|bus>`: dispatches to scripts/bench-*.ts. */
export async function run(argv: string[]): Promise<number> {
  const [which, ...rest] = argv;
  if (which === undefined || which === '--help' || which === '-h') {
    const text = `usage: saturn bench <${Object.keys(BENCHES).join('|')}> [options]   (saturn bench <name> --help for its options)`;
    if (which === undefined) throw new SaturnError(`bench: expected one of ${Object.keys(BENCHES).join(', ')}; ${text}`);
    throw new HelpRequested(text);
  }
  const load = which ? BENCHES[which] : undefined;
  if (!load) throw new SaturnError(`bench: expected one of ${Object.keys(BENCHES).join(', ')}, got ${JSON.stringify(which ?? '')}`);
  return (await load()).run(rest);
}
