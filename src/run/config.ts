import { readFile } from 'node:fs/promises';
import { ConfigError, SaturnError } from '../errors.ts';
import { grpoConfig, type GrpoConfig } from '../grpo/config.ts';
import { refreshConfig, type RefreshConfig } from '../refresh/policy.ts';
import { checkRunConfig } from './config-check.ts';
import { checkTaskSpec, loadTaskPlugin, type TaskSpec } from './task-spec.ts';

/** Where the learner's prompts come from (see `learner.source`). */
export type LearnerSource = 'pool' | 'saturated' | 'split';

/** Sampling parameters every rollout request carries. */
export interface SamplingConfig {
  temperature: number;
  topP: number;
  /** Most new tokens per rollout (the stop token included). */
  maxTokens: number;
}

/**
 * One online run: every actor reads the same config (published in the state KV at start).
 * Defaults are sized for the built-in task on a 2-core machine.
 */
export interface RunConfig {
  /**
   * Task plug-in: a name, or `{"name": "jsonl", "options": {"path": …}}` (see src/run/task-spec.ts),
   * and the checkpoint the run starts from (its vocabulary must be the task tokenizer's).
   */
  task: TaskSpec;
  checkpoint: string;
  sampling: SamplingConfig;
  rollout: {
    /**
     * Engine of the rollout actors (`saturn actor rollout --engine` overrides it): a built-in name
     * (`tfjs`, `openai`), a module path (`./engines/mine.ts`) or a package; see docs/plugins.md.
     */
    engine: string;
    /** Rollout actor processes `saturn up` starts. */
    actors: number;
    /** Requests one actor samples at once (packed into one sampler call). */
    concurrency: number;
    /** Most sequences per sampler call. */
    maxRows: number;
    /** Seconds before an unacknowledged request is redelivered to another actor. */
    ackWaitSeconds: number;
  };
  selector: {
    /** Split the saturated questions are drawn from. */
    split: string;
    /** Questions probed per round, and samples per probe (the paper's 32). */
    probeQuestions: number;
    probeSamples: number;
    /**
     * New questions probed per learner step (policy version) after the first probeQuestions; 0
     * probes as fast as the pool wants. Supply is needed per step: unpaced, a slow learner left
     * the selector probing the whole time it trained. Pacing is lifted where the learner cannot
     * step (its version cannot grow): before step 1 while the pool holds fewer than `learner.minPool`
     * in-band entries, and whenever the pool is empty.
     */
    probesPerStep: number;
    /** Saturated at ≥ minCorrect of probeSamples with at least one failure (the paper's 31/32). */
    minCorrect: number;
    /** Prefix cuts (fractions of the failure's tokens). */
    fractions: number[];
    /** Continuations per candidate at most, and per sweep request. */
    sweepSamples: number;
    sweepBatch: number;
    /** Stop sampling a candidate once its interval rules it out… */
    sequential: boolean;
    /**
     * …and, taking conditioned accuracy as non-increasing in prefix length, bisect for the cut
     * nearest the target instead of sampling every cut first (see `monotone` in
     * src/prefix/sweep-config.ts).
     */
    monotone: boolean;
    /** …its Wilson interval at this normal quantile. */
    sweepZ: number;
    /** Target conditioned accuracy τ and the band a usable prefix must fall in. */
    tau: number;
    band: [number, number];
    /** Pool size the selector keeps topped up. */
    poolTarget: number;
    /**
     * When an entry is predicted above the band (the policy has learnt past its prefix), sweep
     * the later cuts of the same stored failure under the current policy instead of leaving the
     * supply to new probes: a later cut of a failure the policy now recovers from early is the
     * next in-band prefix, for a sweep's rollouts instead of a new question's probe and sweep.
     */
    recut: boolean;
  };
  learner: {
    /**
     * Where a step's prompts come from. `pool`: failure prefixes from the prefix pool, and
     * originalShare of the pool's questions without them (the method). `saturated`: the original
     * questions the selector's probes found saturated, no prefix (the selector only probes: it
     * keeps poolTarget such questions in the pool bucket, each with an empty prefix, and never
     * sweeps). `split`: fresh questions of learner.split that the learner draws itself (the
     * selector sends nothing).
     */
    source: LearnerSource;
    /** The split a `split` source draws fresh questions from; empty (the default): selector.split. */
    split: string;
    /**
     * DAPO's dynamic sampling (verl's filter_groups): groups whose rewards are all equal are
     * dropped, and another promptsPerStep prompts are sampled, until the step has promptsPerStep
     * informative groups or maxRounds rounds were sampled (then it trains on what it has).
     * Informative groups past promptsPerStep are dropped too; every dropped rollout is still counted.
     */
    dynamicFilter: boolean;
    maxRounds: number;
    /** Pool entries per step and rollouts per entry (G). */
    promptsPerStep: number;
    groupSize: number;
    /** Share of a step's prompts that are original questions (no prefix), drawn from the pool's questions. */
    originalShare: number;
    /** Results older than this many policy versions are not trained on (and are counted). */
    maxStaleness: number;
    /** Publish weights every k steps (each publish checkpoints first, so no version is announced twice). */
    publishEvery: number;
    /** Checkpoint every k steps, at every weights publish, and at stop; results are acked only after. */
    checkpointEvery: number;
    /**
     * Entries in the τ band the pool should hold before each step. The first step waits for
     * them; later steps wait at most poolWaitSeconds, then train on what there is (≥ 1 entry).
     */
    minPool: number;
    poolWaitSeconds: number;
    /**
     * Steps over which the learner measures how far its prefix groups come back above the p̂
     * they were drawn at, and draws (and counts the pool's supply) by p̂ plus that lag; 0 draws
     * by p̂ alone.
     */
    lagSteps: number;
    /**
     * How sharply draws prefer entries predicted near τ: a Gaussian of this width in predicted
     * accuracy (see `drawWeight` in src/pool/draw.ts).
     */
    drawWidth: number;
    /**
     * Most probe and sweep groups per step the learner also trains on: those whose rewards
     * differ, sampled by a policy no staler than maxStaleness, newest first (0: none). They were
     * sampled to find and measure prefixes anyway.
     */
    harvestPerStep: number;
    /**
     * Worker threads that share each minibatch's gradient with the learner's own (data-parallel,
     * the same update); 0 computes it on one thread. wasm runs one thread per tfjs instance; on
     * the tensorflow backends (every core in one instance already) it is not used.
     */
    gradientWorkers: number;
    grpo: GrpoConfig;
  };
  refresh: RefreshConfig;
  /**
   * Questions and samples of the before/after evaluation, and its seed (questions, misleading
   * starts, sampling): a baseline and its treatment share it, so their results pair by question.
   */
  evaluation: { splits: string[]; questions: number; samples: number; seed: number };
  /** Seconds between actor heartbeats. */
  heartbeatSeconds: number;
  /**
   * Each engine's own options, by engine name (`engines.openai.baseUrl`). Built-in engines' options
   * are checked with the config; a plug-in's when it is loaded (by `saturn up` before any actor).
   */
  engines: Record<string, Record<string, unknown>>;
  bus: {
    /**
     * Replicas of every stream, KV bucket and object store of the run. 0 lets the broker decide:
     * 1 on a single server, 3 on a cluster (a server whose INFO names a cluster). More than the
     * cluster's JetStream servers is refused at setup with an error naming this field.
     */
    replicas: number;
  };
}

export const DEFAULT_RUN_CONFIG: RunConfig = {
  task: 'arithmetic',
  checkpoint: 'checkpoints/arithmetic.ckpt',
  sampling: { temperature: 1, topP: 1, maxTokens: 64 },
  rollout: { engine: 'tfjs', actors: 2, concurrency: 4, maxRows: 256, ackWaitSeconds: 30 },
  selector: {
    split: 'easy',
    probeQuestions: 32,
    // A default run probed ~11 questions a step on a quiet machine with a full pool (monoA: 331 in
    // 30 steps, pool 96 % in band); unpaced and slow, 34 a step.
    // 0 by default: paced at 12 (before the lift below minPool), a run whose first 32 probes found
    // fewer than minPool in-band prefixes waited forever. Unpaced under load, a run probed 1065
    // questions in 30 steps (34,080 of its 48,504 rollouts: replicate prefix-s1).
    probesPerStep: 0,
    probeSamples: 32,
    minCorrect: 31,
    fractions: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    sweepSamples: 32,
    sweepBatch: 8,
    sequential: true,
    // Failure curves here are mostly cliffs: bisection settles one in ~3 batches of 8 where
    // sampling every cut takes 9 (scripts/bench-sequential.ts --monotone, simulated curves: 87
    // rollouts a sweep against 142, picks as close to τ).
    monotone: true,
    // Not 1.96: on 2000 simulated questions (scripts/bench-sequential.ts) z = 1 saves 47 % of the
    // fixed sweep's rollouts instead of 12 %, picks the same prefix 97 % of the time, and its
    // pick's true distance to τ is 0.1015 against 0.1000. Sweeps are most of the selector's
    // rollouts, and prefix supply is what a learner waits on.
    sweepZ: 1,
    tau: 0.5,
    band: [0.25, 0.75],
    poolTarget: 16,
    recut: true,
  },
  learner: {
    source: 'pool',
    split: '',
    dynamicFilter: false,
    maxRounds: 8,
    promptsPerStep: 8,
    groupSize: 16,
    // A quarter of the prompts are original questions: keeps the clean behaviour anchored (a run
    // without them lost 7 points of easy accuracy in 24 steps while learning to recover).
    originalShare: 0.25,
    maxStaleness: 2,
    publishEvery: 1,
    checkpointEvery: 5,
    minPool: 4,
    // 0: after the first step the learner never waits for in-band entries; its step is filled by
    // the harvested probe and sweep groups. At 20 s a default run spent 146-209 s of its ~420 s
    // waiting while the selector probed unpaced (52k of its 68k rollouts were probes), and trained
    // on 13-16 % of its rollouts; at 0 with 16 harvested groups, 21-30 %, and 3 seeds (replicate,
    // eval 1024 × 4, seed 2, run beside the old default) read easy −0.0, easy under misleading
    // starts −0.5 [−1.3, +0.3], medium +2.1 [+0.3, +3.9] against it. At 0 with 8 harvested the
    // learner ran short of probe groups: misleading starts −1.5 [−2.7, −0.4].
    poolWaitSeconds: 0,
    lagSteps: 4,
    drawWidth: 0.1,
    // Measured at 30 steps, one run each (eval 256 × 4, paired questions): with 8 harvested groups
    // a step, easy 0.971 → 0.994, easy under misleading starts 0.127 → 0.228, medium 0.901 → 0.924;
    // without, 0.983, 0.165 and 0.916. The probe groups with a failure are GRPO on saturated
    // questions, the baseline that beat prefixes alone on robustness (issue 8); a mixed step keeps both.
    // 16 since the learner stopped waiting for the pool (see poolWaitSeconds).
    harvestPerStep: 16,
    gradientWorkers: 1,
    // One pass over each step's rollouts (TRL's GRPO default, num_iterations 1) at 5e-5: the same
    // number of Adam steps × learning rate a step as the two epochs at 2.5e-5 before, for half the
    // learner's compute. Paired over 3 seeds (replicate, eval 1024 × 4, seed 2) against two epochs
    // at 2.5e-5: easy 99.3 vs 99.0, easy under misleading starts 21.7 vs 21.7, medium 92.3 vs 91.3.
    grpo: grpoConfig({ epochs: 1, learningRate: 5e-5 }),
  },
  refresh: refreshConfig(),
  // 256 × 4 per split: at 64 × 4 two question draws of the same checkpoint differed by 2 points
  // of easy accuracy, as much as 30 steps move it; this adds ~40 s to a run.
  evaluation: { splits: ['easy', 'medium'], questions: 256, samples: 4, seed: 1 },
  heartbeatSeconds: 2,
  engines: {},
  bus: { replicas: 0 },
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/**
 * Defaults overlaid with `overrides` (objects merged field by field), validated field by field and
 * across fields (see {@link checkRunConfig}); the first problem is a {@link ConfigError} naming
 * the field. `learner.grpo.temperature` follows `sampling.temperature` unless given, and must
 * then equal it: the learner's log-probs are compared with the behaviour log-probs the rollout
 * actors took at the sampling temperature.
 */
export function runConfig(overrides: DeepPartial<RunConfig> = {}): RunConfig {
  // `task` is a string or an object, and `engines` is keyed by any engine name, so both are
  // checked on their own rather than merged.
  const { task, engines, ...rest } = overrides;
  const c = merge(DEFAULT_RUN_CONFIG, rest, '') as RunConfig;
  c.task = checkTaskSpec(task ?? DEFAULT_RUN_CONFIG.task);
  c.engines = checkEngines(engines);
  checkFinite(c, '');
  const given = (overrides as { learner?: { grpo?: { temperature?: unknown } } })?.learner?.grpo?.temperature;
  if (given === undefined) c.learner.grpo.temperature = c.sampling.temperature;
  if (c.learner.split === '') c.learner.split = c.selector.split;
  checkRunConfig(c);
  c.learner.grpo = grpoConfig(c.learner.grpo, 'learner.grpo');
  c.refresh = refreshConfig(c.refresh);
  return c;
}

/** Reads a JSON config file of overrides; a bad file or field is one error naming it. */
export async function loadRunConfig(path: string | undefined): Promise<RunConfig> {
  if (!path) return runConfig();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SaturnError(`--config ${path}: cannot be read (${(cause as Error).message})`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new SaturnError(`--config ${path}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  // A task given by path or package is imported first, so the checks below can build it.
  await loadTaskPlugin((parsed as { task?: unknown } | null)?.task);
  return runConfig(parsed as DeepPartial<RunConfig>);
}

function checkEngines(value: unknown): RunConfig['engines'] {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError('engines', 'an object of engine options by engine name', value);
  for (const [name, options] of Object.entries(value)) {
    if (!options || typeof options !== 'object' || Array.isArray(options)) throw new ConfigError(`engines.${name}`, 'an object of engine options', options);
  }
  return structuredClone(value) as RunConfig['engines'];
}

function merge(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return structuredClone(base);
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    if (!over || typeof over !== 'object' || Array.isArray(over)) throw new ConfigError(path || 'config', 'an object', over);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(over as object)) {
      if (!(key in (base as object))) throw new ConfigError(path ? `${path}.${key}` : key, `a known field (one of ${Object.keys(base as object).join(', ')})`);
    }
    for (const [key, value] of Object.entries(base as object)) out[key] = merge(value, (over as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    return out;
  }
  if (typeof base === 'number' && typeof over !== 'number') throw new ConfigError(path, 'a number', over);
  if (typeof base === 'string' && typeof over !== 'string') throw new ConfigError(path, 'a string', over);
  if (typeof base === 'boolean' && typeof over !== 'boolean') throw new ConfigError(path, 'true or false', over);
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) throw new ConfigError(path, 'an array', over);
    // Arrays are replaced, not merged: their elements must have the defaults' element type.
    const type = typeof base[0];
    over.forEach((item, i) => {
      if (typeof item !== type) throw new ConfigError(`${path}[${i}]`, `a ${type}`, item);
    });
  }
  return structuredClone(over);
}

/**
 * Every number in the config is finite. JSON has no Infinity, but `1e999` parses as one, and the
 * config is stored as JSON for the other actors: it would reach them as null.
 */
function checkFinite(value: unknown, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new ConfigError(path, 'a finite number', String(value));
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) checkFinite(v, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  }
}
