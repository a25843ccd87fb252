import { drainOrClose } from '../../src/bus/close.ts';
import { connectBus } from '../../src/bus/connect.ts';
import { JSON_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { decode, encode } from '../../src/protocol/codec.ts';
import { envelope } from '../../src/protocol/envelope.ts';
import type { ControlReply, ControlValue } from '../../src/protocol/messages.ts';
import { checkControlCommand, checkRunId, CONTROL_COMMANDS, runNames } from '../../src/protocol/subjects.ts';
import { DEFAULT_NATS } from './monitor.ts';

const SPEC = {
  ...NATS_FLAGS,
  nats: { ...NATS_FLAGS.nats, default: DEFAULT_NATS },
  run: { type: 'string', description: 'run id (required)' },
  actor: { type: 'string', description: 'status/stop: only the actor with this id' },
  kind: { type: 'string', description: 'status/stop: only actors of this kind (rollout, selector, learner, controller)' },
  questions: { type: 'string', description: 'refresh: question ids to rebuild, comma-separated (default: the selector decides)' },
  wait: { type: 'number', description: 'seconds to collect replies (every actor addressed answers once)', default: 2, min: 0.1, max: 60 },
  json: JSON_FLAG,
} as const;

/**
 * `saturn ctl <status|stop|refresh> --run ID`: sends a control command to a running run and
 * prints every reply that comes within `--wait` seconds. `status` and `stop` are answered by
 * every actor addressed (`stop` drains it as SIGTERM would); `refresh` by the selector. Exits 1
 * when nobody answered or an actor refused.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags('ctl', argv, SPEC);
  if (positionals.length !== 1) throw new SaturnError(`ctl: expected one command (${CONTROL_COMMANDS.join(', ')}), got ${JSON.stringify(positionals.join(' '))}`);
  const cmd = checkControlCommand(positionals[0], 'command');
  if (!flags.run) throw new SaturnError('--run: required (the run id)');
  const names = runNames(checkRunId(flags.run, '--run'));
  const args: Record<string, ControlValue> = {};
  if (flags.actor !== undefined) args.actor = flags.actor;
  if (flags.kind !== undefined) args.kind = flags.kind;
  if (flags.questions !== undefined) args.questionIds = flags.questions;
  const request = { ...envelope('control.request'), cmd, args };

  const nc = await connectBus({ ...connectOptions(flags), name: `ctl-${names.run}`, maxReconnectAttempts: 0 });
  const replies: ControlReply[] = [];
  const refused: string[] = [];
  try {
    const answers = await nc.requestMany(names.subjects.control(cmd), encode(request), { strategy: 'timer', maxWait: flags.wait * 1000 });
    for await (const m of answers) {
      const r = decode(m.data, 'control.reply');
      if (!r.ok) refused.push(`malformed reply: ${r.reason}`);
      else if (r.value.requestId === request.id) replies.push(r.value);
    }
  } finally {
    await drainOrClose(nc);
  }
  for (const r of replies) if (!r.ok) refused.push(`${r.data?.actor ?? 'an actor'}: ${r.error ?? 'refused'}`);
  if (flags.json) process.stdout.write(JSON.stringify({ cmd, run: names.run, replies: replies.map((r) => ({ ok: r.ok, error: r.error, ...r.data })) }, null, 2) + '\n');
  else {
    for (const r of replies) process.stdout.write(`${r.ok ? 'ok' : 'refused'} ${Object.entries(r.data ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}${r.error ? ` (${r.error})` : ''}\n`);
  }
  if (replies.length === 0) {
    process.stderr.write(`saturn ctl: no actor of run ${names.run} answered ${cmd} within ${flags.wait} s\n`);
    return 1;
  }
  if (refused.length) process.stderr.write(`saturn ctl: ${refused.join('; ')}\n`);
  return refused.length ? 1 : 0;
}
