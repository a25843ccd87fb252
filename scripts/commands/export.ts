import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { drainOrClose } from '../../src/bus/close.ts';
import { connectBus } from '../../src/bus/connect.ts';
import { openRunReader, type RunReader } from '../../src/bus/run-reader.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { prefixRows, toCsv, toJsonl } from '../../src/export/prefixes.ts';
import { rootLogger } from '../../src/log.ts';
import { checkpointHeader, withCheckpointMeta } from '../../src/model/checkpoint.ts';
import { checkRunId, runNames } from '../../src/protocol/subjects.ts';
import { checkTaskSpec } from '../../src/run/task-spec.ts';
import { runNats } from './run-nats.ts';

const SPEC = {
  ...NATS_FLAGS,
  run: { type: 'string', description: 'run id (required)' },
  dir: { type: 'string', description: 'where runs are kept: without --nats, a finished run’s stored broker is started from <dir>/<run>/nats', default: 'runs' },
  format: { type: 'string', description: 'prefixes: jsonl or csv', default: 'jsonl' },
  out: { type: 'string', description: 'file to write (prefixes: default stdout; checkpoint: required)' },
} as const;

const USAGE = 'usage: saturn export prefixes|checkpoint --run ID [--nats URL] [--format jsonl|csv] [--out F]';

/**
 * `saturn export`: a run's results as files to take elsewhere. `prefixes`: the prefix pool with
 * the paper's columns (question, truncated_cot, ground_truth) plus p_hat, its interval, fraction
 * and policy version, as JSON Lines or CSV. `checkpoint`: the learner's latest checkpoint, with
 * the run's task recorded in it, as a file `saturn eval --checkpoint` reads. Read-only; works on
 * a finished run without --nats by starting its stored broker.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('export', argv, SPEC);
  const what = positionals[0];
  if (what !== 'prefixes' && what !== 'checkpoint') throw new SaturnError(`export: expected what to export (prefixes or checkpoint), got ${JSON.stringify(what)}; ${USAGE}`);
  if (positionals.length > 1) throw new SaturnError(`export: unexpected argument ${JSON.stringify(positionals[1])}; ${USAGE}`);
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new SaturnError(`--format: expected jsonl or csv, got ${JSON.stringify(flags.format)}`);
  if (what === 'checkpoint' && !flags.out) throw new SaturnError('--out: required (the checkpoint file to write)');
  const runId = checkRunId(flags.run, '--run');
  const log = rootLogger.child({ command: 'export', run: runId });

  const broker = await runNats(flags.nats, runId, flags.dir);
  try {
    const nc = await connectBus({ ...connectOptions(flags, broker.url, broker.env), name: `export-${runId}` });
    try {
      const reader = await openRunReader(nc, runId);
      const written = what === 'prefixes' ? await exportPrefixes(reader, flags.format as 'jsonl' | 'csv', flags.out) : await exportCheckpoint(reader, runId, flags.out!);
      log.info({ what, broker: broker.source, ...written }, 'exported');
    } finally {
      await drainOrClose(nc);
    }
  } finally {
    await broker.stop();
  }
  return 0;
}

async function exportPrefixes(reader: RunReader, format: 'jsonl' | 'csv', out: string | undefined) {
  const rows = prefixRows(await reader.poolEntries((key, reason) => process.stderr.write(`pool key ${key}: left out: ${reason}\n`)));
  const text = format === 'csv' ? toCsv(rows) : toJsonl(rows);
  if (out) await write(out, text);
  else process.stdout.write(text);
  return { rows: rows.length, out: out ?? 'stdout' };
}

async function exportCheckpoint(reader: RunReader, runId: string, out: string) {
  const checkpoint = runNames(runId).objects.checkpoint;
  const bytes = await reader.object(checkpoint);
  if (!bytes) throw new SaturnError(`run ${runId}: no learner checkpoint (object ${checkpoint}) yet`);
  // The learner's checkpoint does not say which task it learnt; eval needs it to rebuild the tokenizer.
  const config = (await reader.config()) as { task?: unknown } | undefined;
  const meta = checkpointHeader(bytes).meta;
  const task = config?.task !== undefined ? checkTaskSpec(config.task, 'run config task') : meta.task;
  const file = withCheckpointMeta(bytes, { task, run: runId, exportedBy: 'saturn export checkpoint' });
  await write(out, file);
  return { bytes: file.length, out, step: meta.step };
}

async function write(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}
