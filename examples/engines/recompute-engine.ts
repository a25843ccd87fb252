/**
 * An example rollout engine plug-in: saturn's own policy, sampled WITHOUT a KV cache (every new
 * token recomputes the whole sequence). Slower than the built-in `tfjs` engine, and the simplest
 * sampler that is right: running a run's probes through it is a cross-check of the cached one.
 *
 *   saturn actor rollout --nats URL --run ID --engine ./examples/engines/recompute-engine.ts
 *
 * or in the run config: `"rollout": {"engine": "./examples/engines/recompute-engine.ts"}`, with
 * this engine's options under `"engines": {"recompute": {"maxPromptTokens": 48}}`.
 *
 * It shows every part of the plug-in API (`saturn/engine`): options checked up front, weights
 * followed (it serves the learner's current policy), prompts it cannot continue refused (the
 * actor dead-letters those with the reason), seeded sampling, tensors disposed on close.
 */
import { defineEngine, EngineOptionError, loadCheckpointFile, mulberry32, onlyOptions, sampleByRecompute, swapWeights, unreadableJob, type GenerationJob, type Generated, type Policy, type RolloutEngine } from 'saturn/engine';

interface RecomputeOptions {
  /** Longest prompt (in task tokens) it accepts; longer ones are refused (default: what fits the model's context). */
  maxPromptTokens?: number;
}

class RecomputeEngine implements RolloutEngine {
  readonly name = 'recompute';
  policyVersion = 0; // the run's checkpoint is version 0 until the learner publishes weights

  constructor(
    private policy: Policy,
    private readonly options: RecomputeOptions,
  ) {}

  async loadWeights(bytes: Uint8Array, version: number): Promise<void> {
    // The learner's weights, in saturn's checkpoint format: a checkpoint of another model shape is
    // refused (naming the fields), and the policy held so far is disposed.
    this.policy = swapWeights(this.policy, bytes, version);
    this.policyVersion = version;
  }

  refuse(job: GenerationJob): string | undefined {
    // What no saturn policy can read (ids outside its vocabulary, a full context), then this engine's own limit.
    const limit = this.options.maxPromptTokens;
    return unreadableJob(job, this.policy.config) ?? (limit !== undefined && job.prompt.length > limit ? `prompt: ${job.prompt.length} tokens, more than engines.recompute.maxPromptTokens (${limit})` : undefined);
  }

  async generate(jobs: GenerationJob[]): Promise<Generated[][]> {
    // One job at a time: recompute sampling needs prompts of one length, and a job's n rows share one.
    return jobs.map((job) => {
      const room = this.policy.config.contextLength - job.prompt.length;
      return sampleByRecompute(
        this.policy,
        Array.from({ length: job.n }, () => job.prompt),
        { temperature: job.temperature, topP: job.topP, maxTokens: Math.max(1, Math.min(job.maxTokens, room)), stopToken: job.stopToken, rng: mulberry32(job.seed) },
      );
    });
  }

  async close(): Promise<void> {
    this.policy.dispose();
  }
}

export default defineEngine({
  name: 'recompute',
  // Called with the run config's `engines.recompute` before the engine is built (and by `saturn up`
  // before any actor starts): an error names the option, `engines.recompute.maxPromptTokens: …`.
  checkOptions(options) {
    onlyOptions(options, ['maxPromptTokens']);
    const m = options.maxPromptTokens;
    if (m !== undefined && !(typeof m === 'number' && Number.isInteger(m) && m > 0)) throw new EngineOptionError('maxPromptTokens', 'a positive integer', m);
  },
  async create({ checkpoint, options }) {
    const { policy, optimizer } = await loadCheckpointFile(checkpoint);
    optimizer?.dispose();
    return new RecomputeEngine(policy, options as RecomputeOptions);
  },
});
