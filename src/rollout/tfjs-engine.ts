import { loadCheckpoint, loadCheckpointFile } from '../model/checkpoint.ts';
import type { Policy } from '../model/policy.ts';
import type { PolicyConfig } from '../model/config.ts';
import { sampleWithCache } from '../model/sample.ts';
import { mulberry32 } from '../tasks/rng.ts';
import type { EngineFactory, GenerationJob, Generated, RolloutEngine } from './engine.ts';

/**
 * The policy in checkpoint `bytes` of `version`, which must have `current`'s shape (a checkpoint
 * of another model is refused, naming the fields); `current` and any optimiser state are disposed.
 */
export function swapWeights(current: Policy, bytes: Uint8Array, version: number): Policy {
  const { policy, optimizer } = loadCheckpoint(bytes, { expect: current.config, source: `weights v${version}` });
  optimizer?.dispose();
  current.dispose();
  return policy;
}

/** Why a saturn policy of `config` cannot continue `job` (ids outside its vocabulary, no room left), or undefined. */
export function unreadableJob(job: GenerationJob, config: PolicyConfig): string | undefined {
  const { vocabSize, contextLength } = config;
  const bad = job.prompt.findIndex((id) => id < 0 || id >= vocabSize);
  if (bad >= 0) return `prompt[${bad}]: token id ${job.prompt[bad]} is outside the model's vocabulary [0, ${vocabSize})`;
  if (job.prompt.length >= contextLength) return `prompt: ${job.prompt.length} tokens leave no room in the model's context of ${contextLength}`;
  if (job.stopToken < 0 || job.stopToken >= vocabSize) return `stop token ${job.stopToken} is outside the model's vocabulary`;
  return undefined;
}

/**
 * The built-in engine: saturn's tfjs policy with a KV cache. Jobs with the same sampling
 * parameters are packed into sampler calls of at most `maxRows` sequences.
 */
export class TfjsEngine implements RolloutEngine {
  readonly name = 'tfjs';
  policyVersion = -1;

  constructor(private policy: Policy, private readonly maxRows: number) {}

  async loadWeights(bytes: Uint8Array, version: number): Promise<void> {
    this.policy = swapWeights(this.policy, bytes, version);
    this.policyVersion = version;
  }

  refuse(job: GenerationJob): string | undefined {
    return unreadableJob(job, this.policy.config);
  }

  async generate(jobs: GenerationJob[]): Promise<Generated[][]> {
    const out: Generated[][] = jobs.map(() => []);
    // Pack jobs of equal sampling parameters; each job's samples come from its own seeded stream.
    const key = (j: GenerationJob) => `${j.temperature}|${j.topP}|${j.maxTokens}|${j.stopToken}`;
    const byKey = new Map<string, number[]>();
    jobs.forEach((j, i) => byKey.set(key(j), [...(byKey.get(key(j)) ?? []), i]));
    for (const indices of byKey.values()) {
      let batch: number[] = [];
      let rows = 0;
      const flush = () => {
        if (!batch.length) return;
        this.run(jobs, batch, out);
        batch = [];
        rows = 0;
      };
      for (const i of indices) {
        if (rows + jobs[i]!.n > this.maxRows) flush();
        batch.push(i);
        rows += jobs[i]!.n;
      }
      flush();
    }
    return out;
  }

  private run(jobs: GenerationJob[], indices: number[], out: Generated[][]): void {
    const first = jobs[indices[0]!]!;
    const prompts = indices.flatMap((i) => Array.from({ length: jobs[i]!.n }, () => jobs[i]!.prompt));
    const owner = indices.flatMap((i, k) => Array.from({ length: jobs[i]!.n }, () => k));
    // One stream per packed call: a packed batch is reproducible from its first job's seed, which
    // is what a repeatable run needs; single samples are not independent of their neighbours.
    const rng = mulberry32(first.seed ^ (indices.length * 0x9e3779b1));
    const room = this.policy.config.contextLength - Math.max(...prompts.map((p) => p.length));
    const samples = sampleWithCache(this.policy, prompts, { temperature: first.temperature, topP: first.topP, maxTokens: Math.max(1, Math.min(first.maxTokens, room)), stopToken: first.stopToken, rng });
    samples.forEach((s, r) => out[indices[owner[r]!]!]!.push(s));
  }

  async close(): Promise<void> {
    this.policy.dispose();
  }
}

/** Factory registered as `tfjs`: starts from the run's checkpoint (version 0) until weights arrive. */
export const tfjsEngine: EngineFactory = async ({ checkpoint, maxRows }) => {
  const { policy, optimizer } = await loadCheckpointFile(checkpoint);
  optimizer?.dispose();
  const engine = new TfjsEngine(policy, maxRows);
  engine.policyVersion = 0;
  return engine;
};
