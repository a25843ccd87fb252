/**
 * Every NATS name a run uses — subjects, streams, consumers, KV buckets and keys, object store
 * and object names — comes from this module, so the whole address space of a run can be read in
 * one place and no actor spells a subject by hand.
 *
 * Everything lives under the run id, which is why it is validated here: it becomes a subject
 * token and part of stream and bucket names, where `.`, `*`, `>` and whitespace would change
 * what a name means.
 */
import { NameError } from './errors.ts';

/** What a rollout request is for; each kind has its own subject and work-queue consumer. */
export const ROLLOUT_KINDS = ['probe', 'sweep', 'train'] as const;
export type RolloutKind = (typeof ROLLOUT_KINDS)[number];

/**
 * Commands an operator (`saturn ctl`) or an actor can send to a running run, request/reply:
 * `refresh` (the selector rebuilds prefixes), `status` and `stop` (every actor answers).
 */
export const CONTROL_COMMANDS = ['refresh', 'stop', 'status'] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

const TOKEN = /^[A-Za-z0-9_-]+$/;
// Long ids would make stream names (which become file names) unwieldy; 64 is plenty for a run.
const MAX_TOKEN = 64;
// Metric names may be namespaced with `/` (`learner/approx_kl`) and grouped with `.`.
const METRIC_NAME = /^[A-Za-z0-9_/-]+(\.[A-Za-z0-9_/-]+)*$/;

/**
 * `value` if it can be embedded in subjects and bucket names: 1–64 characters from
 * `[A-Za-z0-9_-]`. Throws {@link NameError} naming `field` otherwise.
 */
export function checkToken(field: string, value: unknown): string {
  if (typeof value !== 'string' || !TOKEN.test(value) || value.length > MAX_TOKEN) {
    throw new NameError(field, `1–${MAX_TOKEN} characters from [A-Za-z0-9_-]`, value);
  }
  return value;
}

/** `run` if it is a valid run id (see {@link checkToken}). */
export function checkRunId(run: unknown, field = 'run'): string {
  return checkToken(field, run);
}

/** `kind` if it is one of {@link ROLLOUT_KINDS}. */
export function checkRolloutKind(kind: unknown, field = 'kind'): RolloutKind {
  if (!ROLLOUT_KINDS.includes(kind as RolloutKind)) {
    throw new NameError(field, `one of ${ROLLOUT_KINDS.join(', ')}`, kind);
  }
  return kind as RolloutKind;
}

/** `cmd` if it is one of {@link CONTROL_COMMANDS}. */
export function checkControlCommand(cmd: unknown, field = 'cmd'): ControlCommand {
  if (!CONTROL_COMMANDS.includes(cmd as ControlCommand)) {
    throw new NameError(field, `one of ${CONTROL_COMMANDS.join(', ')}`, cmd);
  }
  return cmd as ControlCommand;
}

/** All names of one run. Build it with {@link runNames}; every function validates its input. */
export interface RunNames {
  readonly run: string;
  readonly subjects: {
    /** `saturn.<run>.rollout.req.<kind>`: one `RolloutRequest` per message, work queue. */
    rolloutRequest(kind: RolloutKind): string;
    /** `saturn.<run>.rollout.req.*`: every request subject (the requests stream binds it). */
    readonly rolloutRequests: string;
    /** `saturn.<run>.rollout.res.<kind>`: one `RolloutResult` per message. */
    rolloutResult(kind: RolloutKind): string;
    /** `saturn.<run>.rollout.res.*`: every result subject. */
    readonly rolloutResults: string;
    /** `saturn.<run>.metrics.<name>`: `MetricsRecord`s, core NATS, also kept by a stream. */
    metrics(name: string): string;
    /** `saturn.<run>.metrics.>`: every metrics subject. */
    readonly allMetrics: string;
    /** `saturn.<run>.control.<cmd>`: `ControlRequest` → `ControlReply`, core request/reply. */
    control(cmd: ControlCommand): string;
    /** `saturn.<run>.dead`: `DeadLetter`s. */
    readonly dead: string;
    /** `saturn.<run>.weights.announce`: `WeightsAnnouncement`s, core NATS. */
    readonly weightsAnnounce: string;
  };
  readonly streams: {
    /** Work-queue stream of every rollout request subject. */
    readonly requests: string;
    /** Limits stream of every rollout result subject. */
    readonly results: string;
    /** Limits stream keeping metrics for replay by late dashboards. */
    readonly metrics: string;
    /** Limits stream of dead letters. */
    readonly dead: string;
  };
  readonly consumers: {
    /** Durable pull consumer shared by every rollout actor serving `kind`. */
    rollout(kind: RolloutKind): string;
    /** Durable pull consumer through which `role` (selector, learner, …) reads `kind` results. */
    results(kind: RolloutKind, role: string): string;
  };
  readonly buckets: {
    /** KV: prefix pool entries by question. */
    readonly pool: string;
    /** KV: run config, heartbeats, counters, latest weights announcement. */
    readonly state: string;
    /** Object store: policy weights by version and checkpoints. */
    readonly weights: string;
  };
  /** Keys of the state bucket. */
  readonly stateKeys: {
    /** The latest `WeightsAnnouncement`, so actors that start late find the current policy. */
    readonly latestWeights: string;
    /** The run's config as JSON text (the whole `RunConfig`), written by `saturn up` at start. */
    readonly config: string;
    /** The run's task and its tokenizer as JSON (`TaskCard`, src/run/task-card.ts), written at start. */
    readonly task: string;
    /** The last step the learner checkpointed, as decimal text (written after the checkpoint object). */
    readonly learnerStep: string;
    /** How many questions of its stream the selector has drawn, as decimal text, so a restart goes on. */
    readonly selectorCursor: string;
    /** The latest `Heartbeat` of one actor. */
    heartbeat(actorId: string): string;
    /** Random bytes made once per run: the key dead-letter ids are derived with (see `deadLetterId`). */
    readonly deadLetterSecret: string;
  };
  /** Object names in the weights store. */
  readonly objects: {
    /** Weights of policy version `version`. */
    weights(version: number): string;
    /** The learner's latest checkpoint (policy, optimiser, step), replaced at every checkpoint. */
    readonly checkpoint: string;
  };
}

/**
 * The names of run `run`. Throws {@link NameError} when the run id is not a valid token.
 *
 * @example
 * const names = runNames('exp1');
 * names.subjects.rolloutRequest('probe'); // 'saturn.exp1.rollout.req.probe'
 * names.buckets.pool;                     // 'saturn_exp1_pool'
 */
export function runNames(run: string): RunNames {
  checkRunId(run);
  const s = `saturn.${run}`;
  const b = `saturn_${run}`;
  return Object.freeze({
    run,
    subjects: Object.freeze({
      rolloutRequest: (kind: RolloutKind) => `${s}.rollout.req.${checkRolloutKind(kind)}`,
      rolloutRequests: `${s}.rollout.req.*`,
      rolloutResult: (kind: RolloutKind) => `${s}.rollout.res.${checkRolloutKind(kind)}`,
      rolloutResults: `${s}.rollout.res.*`,
      metrics: (name: string) => `${s}.metrics.${checkMetricName(name)}`,
      allMetrics: `${s}.metrics.>`,
      control: (cmd: ControlCommand) => `${s}.control.${checkControlCommand(cmd)}`,
      dead: `${s}.dead`,
      weightsAnnounce: `${s}.weights.announce`,
    }),
    streams: Object.freeze({
      requests: `${b}_requests`,
      results: `${b}_results`,
      metrics: `${b}_metrics`,
      dead: `${b}_dead`,
    }),
    consumers: Object.freeze({
      rollout: (kind: RolloutKind) => `rollout_${checkRolloutKind(kind)}`,
      results: (kind: RolloutKind, role: string) =>
        `results_${checkRolloutKind(kind)}_${checkToken('role', role)}`,
    }),
    buckets: Object.freeze({ pool: `${b}_pool`, state: `${b}_state`, weights: `${b}_weights` }),
    stateKeys: Object.freeze({
      latestWeights: 'weights.latest',
      config: 'config',
      task: 'task',
      learnerStep: 'learner.step',
      selectorCursor: 'selector.cursor',
      deadLetterSecret: 'dead.secret',
      heartbeat: (actorId: string) => `heartbeat.${checkToken('actorId', actorId)}`,
    }),
    objects: Object.freeze({
      weights: (version: number) => {
        if (!Number.isSafeInteger(version) || version < 0) {
          throw new NameError('version', 'a non-negative integer', version);
        }
        return `weights/v${version}`;
      },
      checkpoint: 'checkpoint/latest',
    }),
  });
}

function checkMetricName(name: unknown): string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || name.length > 128) {
    throw new NameError(
      'name',
      'a metric name of [A-Za-z0-9_/-] tokens joined by "." (at most 128 characters)',
      name,
    );
  }
  return name;
}
