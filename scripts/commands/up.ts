import { checkConfiguredEngine } from '../../src/rollout/registry.ts';
import { existsSync } from 'node:fs';
import { BACKEND_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { checkRunId } from '../../src/protocol/subjects.ts';
import { MAX_LOCAL_ACTORS } from '../../src/run/config-check.ts';
import { loadRunConfig } from '../../src/run/config.ts';

const SPEC = {
  ...NATS_FLAGS,
  config: { type: 'string', description: 'run config JSON (overrides of the defaults)' },
  run: { type: 'string', description: 'run id (default: run-<date>-<time>)' },
  resume: { type: 'boolean', description: 'continue the run’s learner from its checkpoint', default: false },
  'max-steps': { type: 'integer', description: 'learner steps', default: 30, min: 1 },
  actors: { type: 'integer', description: 'rollout actor processes (default: from the config)', min: 0, max: MAX_LOCAL_ACTORS },
  'no-auth': { type: 'boolean', description: 'embedded NATS without a token (any local process can then join the run)', default: false },
  summary: { type: 'string', description: 'write the summary JSON here' },
  dir: { type: 'string', description: 'where run logs and the embedded NATS store go', default: 'runs' },
  'skip-eval': { type: 'boolean', description: 'skip the before/after accuracy evaluation', default: false },
  'keep-every': { type: 'integer', description: 'also write every K-th published version to <dir>/<run>/weights/v<N>.ckpt (curves); 0: none', default: 0, min: 0 },
  'max-rollouts': { type: 'integer', description: 'stop the learner once the rollout actors have generated this many samples (a rollout budget)', min: 1 },
  backend: BACKEND_FLAG,
} as const;
export type UpFlags = ReturnType<typeof parseFlags<typeof SPEC>>['flags'];

/**
 * `saturn up`: every actor of one run, live progress, and a summary at the end. Flags and config
 * are checked here, before the run's heavy modules (tfjs, NATS) even load, so a config that
 * contradicts itself is refused in one line within a second or two; the run itself is
 * {@link runUp}.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('up', argv, SPEC);
  const config = await loadRunConfig(flags.config);
  if (flags.actors !== undefined) config.rollout.actors = flags.actors;
  const runId = checkRunId(flags.run ?? `run-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`, '--run');
  if (!existsSync(config.checkpoint)) throw new SaturnError(`checkpoint: ${config.checkpoint} does not exist (run saturn pretrain, or set "checkpoint" in the config)`);
  await checkConfiguredEngine(config.rollout.engine, config.engines);
  const { runUp } = await import('./up-run.ts');
  return runUp(flags, config, runId);
}
