import { parseArgs } from 'node:util';
import { ConfigError, SaturnError } from '../errors.ts';

/** One command-line flag: its type, default and what it means (shown by --help). */
export interface FlagSpec {
  type: 'string' | 'number' | 'integer' | 'boolean';
  description: string;
  default?: string | number | boolean;
  /** Smallest accepted number (inclusive). */
  min?: number;
  /** Largest accepted number (inclusive). */
  max?: number;
}

type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean' ? boolean : F['type'] extends 'string' ? string : number;
export type Flags<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['default'] extends undefined ? FlagValue<S[K]> | undefined : FlagValue<S[K]>;
};

/** A request for help: the CLI prints the usage text and exits 0. */
export class HelpRequested extends SaturnError {
  override name = 'HelpRequested';
}

/**
 * Parses `argv` against `spec`. Unknown flags, missing values and values of the wrong type or
 * range are a ConfigError naming the flag (`--steps: expected an integer ≥ 1, got "x"`).
 */
export function parseFlags<S extends Record<string, FlagSpec>>(command: string, argv: string[], spec: S): { flags: Flags<S>; positionals: string[] } {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(usage(command, spec));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: attachDashedValues(argv, spec),
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(spec).map(([name, f]) => [name, { type: f.type === 'boolean' ? 'boolean' : 'string' }])),
    });
  } catch (e) {
    const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
    const message = (e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, '');
    throw new SaturnError(`${message}; known options: ${known}`);
  }
  const flags: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const raw = parsed.values[name];
    if (raw === undefined) {
      flags[name] = f.default;
      continue;
    }
    flags[name] = f.type === 'boolean' || f.type === 'string' ? raw : toNumber(`--${name}`, String(raw), f);
  }
  return { flags: flags as Flags<S>, positionals: parsed.positionals };
}

/**
 * `--max-steps -1` as `--max-steps=-1`: node's parser takes a value starting with `-` for the
 * next option and calls the flag "ambiguous"; joined, the value reaches the range check, which
 * says what is wrong with it.
 */
function attachDashedValues(argv: string[], spec: Record<string, FlagSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const f = arg.startsWith('--') ? spec[arg.slice(2)] : undefined;
    if (f && f.type !== 'boolean' && next !== undefined && /^-\d|^-\.\d|^-Infinity$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function toNumber(flag: string, raw: string, f: FlagSpec): number {
  const value = Number(raw);
  const integer = f.type === 'integer';
  const range = [f.min !== undefined ? `≥ ${f.min}` : '', f.max !== undefined ? `≤ ${f.max}` : ''].filter(Boolean).join(' and ');
  const expected = `${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`;
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new ConfigError(flag, expected, raw);
  if ((f.min !== undefined && value < f.min) || (f.max !== undefined && value > f.max)) throw new ConfigError(flag, expected, raw);
  return value;
}

/** Usage text of a command from its flag specs. */
export function usage(command: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([name, f]) => {
    const arg = f.type === 'boolean' ? '' : ` <${f.type}>`;
    const def = f.default === undefined ? '' : ` (default ${JSON.stringify(f.default)})`;
    return `  --${name}${arg}`.padEnd(30) + `${f.description}${def}`;
  });
  return [`usage: saturn ${command} [options]`, ...lines].join('\n');
}
