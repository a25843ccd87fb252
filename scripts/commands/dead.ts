import { jetstreamManager, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { drainOrClose } from '../../src/bus/close.ts';
import { connectBus } from '../../src/bus/connect.ts';
import { RunNotFoundError } from '../../src/bus/errors.ts';
import { JSON_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { decode } from '../../src/protocol/codec.ts';
import { checkRunId, runNames } from '../../src/protocol/subjects.ts';
import { DEFAULT_NATS } from './monitor.ts';

const SPEC = {
  ...NATS_FLAGS,
  nats: { ...NATS_FLAGS.nats, default: DEFAULT_NATS },
  run: { type: 'string', description: 'run id (required)' },
  json: JSON_FLAG,
} as const;

/** One dead letter as printed: where and why, and what the rejected bytes began with. */
interface Row {
  seq: number;
  at: string;
  actor: string;
  subject: string;
  reason: string;
  bytes: number;
  head: string;
  /** Set when the dead letter itself could not be decoded (something else was published on the dead subject). */
  undecodable?: string;
}

const HEAD_BYTES = 32;

/**
 * `saturn dead`: every dead letter a run's dead stream keeps, oldest first, with its reason.
 * Read-only: an ephemeral ordered consumer, no acks, nothing created.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('dead', argv, SPEC);
  if (positionals.length) throw new SaturnError(`dead: unexpected argument ${JSON.stringify(positionals[0])} (give the run id with --run)`);
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const names = runNames(checkRunId(flags.run, '--run'));
  const nc = await connectBus({ ...connectOptions(flags), name: `dead-${names.run}`, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(names.streams.dead).catch((err) => {
      if (err instanceof JetStreamApiError && err.apiError().err_code === JetStreamApiCodes.StreamNotFound) throw new RunNotFoundError(names.run, nc.getServer(), names.streams.dead);
      throw err;
    });
    const rows: Row[] = [];
    if (info.state.messages > 0) {
      const consumer = await jsm.jetstream().consumers.get(names.streams.dead);
      const last = info.state.last_seq;
      for (let done = false; !done; ) {
        const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 });
        let got = 0;
        for await (const m of batch) {
          got += 1;
          rows.push(row(m.seq, m.data));
          if (m.seq >= last) done = true;
        }
        if (got === 0) done = true;
      }
    }
    if (flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else {
      process.stdout.write(`${rows.length} dead letter${rows.length === 1 ? '' : 's'} in run ${names.run}\n`);
      for (const r of rows) process.stdout.write(`#${r.seq} ${r.at} ${r.actor} ${r.subject} (${r.bytes} B): ${r.undecodable ? `undecodable dead letter: ${r.undecodable}` : r.reason}\n`);
    }
    return 0;
  } finally {
    await drainOrClose(nc);
  }
}

function row(seq: number, data: Uint8Array): Row {
  const d = decode(data, 'dead.letter');
  if (!d.ok) return { seq, at: '', actor: '?', subject: '?', reason: '', bytes: data.length, head: hex(data), undecodable: d.reason };
  const v = d.value;
  return { seq, at: new Date(v.receivedAt).toISOString(), actor: v.actor, subject: v.subject, reason: v.reason, bytes: v.raw.length, head: hex(v.raw) };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, HEAD_BYTES)).toString('hex');
}
