import { initBackend } from '../../src/backend.ts';
import { BACKEND_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { loadPolicyAndTask } from '../../src/cli/load-policy.ts';
import { connectOptions, NATS_FLAGS } from '../../src/cli/nats-flags.ts';
import { SaturnError } from '../../src/errors.ts';
import { rootLogger } from '../../src/log.ts';
import { checkRunId } from '../../src/protocol/subjects.ts';
import { followRunWeights, type ServedPolicy } from '../../src/serve/follow-weights.ts';
import { serveCompletions } from '../../src/serve/server.ts';

const SPEC = {
  ...NATS_FLAGS,
  checkpoint: { type: 'string', description: 'the policy to serve (a saturn checkpoint file; its meta.task gives the tokenizer)', default: 'checkpoints/arithmetic.ckpt' },
  run: { type: 'string', description: "follow this run's published weights (with --nats); the checkpoint is served until the first arrives" },
  model: { type: 'string', description: 'the model name /v1/models lists (default: the checkpoint file name)' },
  host: { type: 'string', description: 'address to listen on', default: '127.0.0.1' },
  port: { type: 'integer', description: 'port to listen on (0: any free port)', default: 8000, min: 0, max: 65_535 },
  backend: BACKEND_FLAG,
} as const;

/**
 * `saturn serve`: a checkpoint behind the OpenAI completions API (POST /v1/completions with
 * logprobs, GET /v1/models) until SIGINT/SIGTERM; with `--run`, following that run's weights.
 * Prints `listening on URL` once it answers.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('serve', argv, SPEC);
  if (flags.run && !flags.nats) throw new SaturnError('--nats: required with --run (the URL of the run’s NATS server)');
  const runId = flags.run ? checkRunId(flags.run, '--run') : undefined;
  await initBackend(flags.backend);
  const { policy, task } = await loadPolicyAndTask(flags.checkpoint);
  const model = flags.model ?? flags.checkpoint.split('/').at(-1)!.replace(/\.ckpt$/, '');
  const log = rootLogger.child({ command: 'serve' });
  const served: ServedPolicy = { policy, held: { version: 0 } };
  let stopFollowing = async (): Promise<void> => undefined;
  let closeBus = async (): Promise<void> => undefined;
  if (runId) {
    const { connectBus } = await import('../../src/bus/connect.ts');
    const { openRunWeights } = await import('../../src/bus/run-reader.ts');
    const nc = await connectBus({ ...connectOptions(flags), name: `serve-${process.pid}` });
    closeBus = () => nc.close();
    stopFollowing = followRunWeights(await openRunWeights(nc, runId), served, log);
  }
  const server = await serveCompletions({ served, tokenizer: task.tokenizer, model, host: flags.host, port: flags.port, log });
  process.stdout.write(`saturn serve: listening on ${server.url} (model ${model}, task ${task.name}, context ${policy.config.contextLength}${runId ? `, following run ${runId}'s weights` : ''})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await stopFollowing();
  await closeBus();
  served.policy.dispose();
  log.info({ answered: server.answered, version: served.held.version }, 'stopped');
  return 0;
}
