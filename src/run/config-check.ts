/**
 * The rules a run config must satisfy, field by field and across fields. Each failure is a
 * {@link ConfigError} naming the one field that is off, so `saturn up` can refuse a config in one
 * line before it starts a broker or an actor.
 *
 * Own checks rather than a schema library: the config's shape is already fixed by the defaults
 * it is merged into (unknown fields and wrong types are refused there), and what is left is a
 * list of ranges and relations that reads best as the list it is.
 */
import { check, ConfigError } from '../errors.ts';
import { EngineOptionError } from '../rollout/engine.ts';
import { BUILT_IN_ENGINE_OPTIONS } from '../rollout/openai-options.ts';
import type { Task } from '../tasks/types.ts';
import type { LearnerSource, RunConfig } from './config.ts';
import { taskOf } from './task-spec.ts';

/**
 * Upper bound of every `…Seconds` field. Node's timers hold at most 2³¹−1 ms (24.8 days) and
 * fire after 1 ms when given more, so an unbounded heartbeat of 3,000,000 s beat every
 * millisecond; an hour is already far past any sensible wait of a run.
 */
export const MAX_SECONDS = 3_600;
/** Least heartbeat period: a faster beat is a KV write storm, not liveness. */
export const MIN_HEARTBEAT_SECONDS = 0.1;
/** The values of `learner.source`. */
export const LEARNER_SOURCES: readonly LearnerSource[] = ['pool', 'saturated', 'split'];
/** Most rollout actor processes `saturn up` starts on one machine. */
export const MAX_LOCAL_ACTORS = 64;

const positiveInt = (v: number, field: string) => check(Number.isInteger(v) && v > 0, field, 'a positive integer', v);
const nonNegativeInt = (v: number, field: string) => check(Number.isInteger(v) && v >= 0, field, 'an integer ≥ 0', v);
const seconds = (v: number, field: string, min = 0, inclusive = false) =>
  check((inclusive ? v >= min : v > min) && v <= MAX_SECONDS, field, `seconds in ${inclusive ? '[' : '('}${min}, ${MAX_SECONDS}]`, v);
const open01 = (v: number, field: string) => check(v > 0 && v < 1, field, 'a number in (0, 1)', v);

/** Throws a ConfigError naming the first field of `c` that breaks a rule. Numbers are finite here. */
export function checkRunConfig(c: RunConfig): void {
  // Built here, not just named: a bad task option is refused like any other field (task.options.…).
  const task = taskOf(c.task);
  check(c.checkpoint.trim() !== '', 'checkpoint', 'the path of a checkpoint file', c.checkpoint);

  const s = c.sampling;
  check(s.temperature > 0, 'sampling.temperature', 'a number > 0', s.temperature);
  check(s.topP > 0 && s.topP <= 1, 'sampling.topP', 'a number in (0, 1]', s.topP);
  positiveInt(s.maxTokens, 'sampling.maxTokens');

  const r = c.rollout;
  check(r.engine.trim() !== '', 'rollout.engine', 'an engine name, module path or package', r.engine);
  checkBuiltInEngines(c.engines);
  check(Number.isInteger(r.actors) && r.actors >= 0 && r.actors <= MAX_LOCAL_ACTORS, 'rollout.actors', `an integer in [0, ${MAX_LOCAL_ACTORS}]`, r.actors);
  positiveInt(r.concurrency, 'rollout.concurrency');
  positiveInt(r.maxRows, 'rollout.maxRows');
  seconds(r.ackWaitSeconds, 'rollout.ackWaitSeconds');

  const sel = c.selector;
  checkSplit(task, sel.split, 'selector.split');
  nonNegativeInt(sel.probesPerStep, 'selector.probesPerStep');
  for (const f of ['probeQuestions', 'probeSamples', 'minCorrect', 'sweepSamples', 'sweepBatch', 'poolTarget'] as const) positiveInt(sel[f], `selector.${f}`);
  check(sel.minCorrect < sel.probeSamples, 'selector.minCorrect', `less than selector.probeSamples (${sel.probeSamples})`, sel.minCorrect);
  check(sel.sweepBatch <= sel.sweepSamples, 'selector.sweepBatch', `at most selector.sweepSamples (${sel.sweepSamples})`, sel.sweepBatch);
  check(sel.fractions.length > 0, 'selector.fractions', 'at least one prefix cut', sel.fractions);
  sel.fractions.forEach((f, i) => open01(f, `selector.fractions[${i}]`));
  check(new Set(sel.fractions).size === sel.fractions.length, 'selector.fractions', 'distinct cuts', sel.fractions);
  check(sel.sweepZ > 0, 'selector.sweepZ', 'a number > 0', sel.sweepZ);
  checkBand(sel.band, 'selector.band');
  open01(sel.tau, 'selector.tau');
  check(sel.tau > sel.band[0] && sel.tau < sel.band[1], 'selector.tau', `a number inside selector.band (${sel.band[0]}, ${sel.band[1]})`, sel.tau);

  const l = c.learner;
  check(LEARNER_SOURCES.includes(l.source), 'learner.source', `one of ${LEARNER_SOURCES.join(', ')}`, l.source);
  checkSplit(task, l.split, 'learner.split');
  for (const f of ['promptsPerStep', 'groupSize', 'publishEvery', 'checkpointEvery', 'minPool', 'maxRounds'] as const) positiveInt(l[f], `learner.${f}`);
  check(l.groupSize >= 2, 'learner.groupSize', 'at least 2 (advantages are relative to the group)', l.groupSize);
  // The first step waits for minPool entries in band; a pool kept smaller never has them.
  check(l.minPool <= sel.poolTarget, 'learner.minPool', `at most selector.poolTarget (${sel.poolTarget})`, l.minPool);
  check(l.originalShare >= 0 && l.originalShare <= 1, 'learner.originalShare', 'a number in [0, 1]', l.originalShare);
  seconds(l.poolWaitSeconds, 'learner.poolWaitSeconds', 0, true);
  check(l.drawWidth > 0, 'learner.drawWidth', 'a number > 0', l.drawWidth);
  nonNegativeInt(l.harvestPerStep, 'learner.harvestPerStep');
  nonNegativeInt(l.gradientWorkers, 'learner.gradientWorkers');
  nonNegativeInt(l.lagSteps, 'learner.lagSteps');
  nonNegativeInt(l.maxStaleness, 'learner.maxStaleness');
  check(l.grpo.temperature === s.temperature, 'learner.grpo.temperature', `sampling.temperature (${s.temperature}): the learner compares its log-probs with those taken while sampling; leave it out to follow sampling.temperature`, l.grpo.temperature);

  const e = c.evaluation;
  check(e.splits.length > 0, 'evaluation.splits', 'at least one split', e.splits);
  e.splits.forEach((split, i) => checkSplit(task, split, `evaluation.splits[${i}]`));
  positiveInt(e.questions, 'evaluation.questions');
  positiveInt(e.samples, 'evaluation.samples');
  nonNegativeInt(e.seed, 'evaluation.seed');

  check(Number.isInteger(c.bus.replicas) && c.bus.replicas >= 0 && c.bus.replicas <= 5, 'bus.replicas', "an integer from 0 (decided by the broker) to 5 (JetStream's most)", c.bus.replicas);
  check(c.heartbeatSeconds >= MIN_HEARTBEAT_SECONDS && c.heartbeatSeconds <= MAX_SECONDS, 'heartbeatSeconds', `seconds in [${MIN_HEARTBEAT_SECONDS}, ${MAX_SECONDS}]`, c.heartbeatSeconds);
}

/** Options of built-in engines; a plug-in's are checked when it is loaded (src/rollout/registry.ts). */
function checkBuiltInEngines(engines: RunConfig['engines']): void {
  for (const [name, options] of Object.entries(engines)) {
    try {
      BUILT_IN_ENGINE_OPTIONS[name]?.(options);
    } catch (e) {
      if (e instanceof EngineOptionError) throw new ConfigError(`engines.${name}.${e.field}`, e.expected, e.got);
      throw e;
    }
  }
}

function checkBand(band: number[], field: string): void {
  check(band.length === 2 && band[0]! >= 0 && band[0]! < band[1]! && band[1]! <= 1, field, '[low, high] with 0 ≤ low < high ≤ 1', band);
}

function checkSplit(task: Task, split: string, field: string): void {
  check(task.splits.includes(split), field, `a split of task ${task.name} (one of ${task.splits.join(', ')})`, split);
}
