import { initBackend } from '../../src/backend.ts';
import { BACKEND_FLAG } from '../../src/cli/common-flags.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { loadPolicyAndTask } from '../../src/cli/load-policy.ts';
import { rootLogger } from '../../src/log.ts';
import { serveCompletions } from '../../src/serve/server.ts';

const SPEC = {
  checkpoint: { type: 'string', description: 'the policy to serve (a saturn checkpoint file; its meta.task gives the tokenizer)', default: 'checkpoints/arithmetic.ckpt' },
  model: { type: 'string', description: 'the model name /v1/models lists (default: the checkpoint file name)' },
  host: { type: 'string', description: 'address to listen on', default: '127.0.0.1' },
  port: { type: 'integer', description: 'port to listen on (0: any free port)', default: 8000, min: 0, max: 65_535 },
  backend: BACKEND_FLAG,
} as const;

/**
 * `saturn serve`: a checkpoint behind the OpenAI completions API (POST /v1/completions with
 * logprobs, GET /v1/models) until SIGINT/SIGTERM. Prints `listening on URL` once it answers.
 */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags('serve', argv, SPEC);
  await initBackend(flags.backend);
  const { policy, task } = await loadPolicyAndTask(flags.checkpoint);
  const model = flags.model ?? flags.checkpoint.split('/').at(-1)!.replace(/\.ckpt$/, '');
  const log = rootLogger.child({ command: 'serve' });
  const server = await serveCompletions({ policy, tokenizer: task.tokenizer, model, host: flags.host, port: flags.port, log });
  process.stdout.write(`saturn serve: listening on ${server.url} (model ${model}, task ${task.name}, context ${policy.config.contextLength})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  policy.dispose();
  log.info({ answered: server.answered }, 'stopped');
  return 0;
}
