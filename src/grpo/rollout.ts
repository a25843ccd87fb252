/**
 * The learner's view of one scored sample, and the grouping that turns rewards into advantages.
 */
import { check } from '../errors.ts';
import { groupAdvantages, groupStats, type AdvantageOptions, type GroupStats } from './advantages.ts';

/** One sampled, verified continuation as the learner receives it from a rollout actor. */
export interface Rollout {
  /** Rollouts with the same id were sampled from the same prompt and are normalised together. */
  groupId: string;
  /** bos + question + optional failure prefix: conditioning, never trained. */
  prompt: Int32Array;
  /** Generated tokens, the stop token included when the sampler emitted one. */
  completion: Int32Array;
  /** One per completion token: its log-probability under the actor that sampled it, at the sampling temperature. */
  behaviourLogProbs: Float32Array;
  /** The verifier's reward (0/1 for the built-in tasks). */
  reward: number;
  /** Version of the weights that sampled it (staleness is filtered upstream, not here). */
  policyVersion: number;
}

/** A rollout with its group-relative advantage attached. */
export interface ScoredRollout extends Rollout {
  /** (reward − group mean) / (group std + ε), or reward − mean without std scaling; 0 in a zero-variance group. */
  advantage: number;
}

/** The rollouts of one prompt, with their reward statistics. */
export interface RolloutGroup {
  groupId: string;
  stats: GroupStats;
  rollouts: ScoredRollout[];
}

/** Throws a ConfigError naming `${where}.field` unless `r` is a well-formed rollout. */
export function checkRollout(r: Rollout, where = 'rollout'): void {
  check(typeof r.groupId === 'string', `${where}.groupId`, 'a string', r.groupId);
  check(r.prompt instanceof Int32Array && r.prompt.length > 0, `${where}.prompt`, 'an Int32Array of at least one token (bos)');
  check(r.completion instanceof Int32Array && r.completion.length > 0, `${where}.completion`, 'an Int32Array of at least one token');
  check(
    r.behaviourLogProbs instanceof Float32Array && r.behaviourLogProbs.length === r.completion.length,
    `${where}.behaviourLogProbs`,
    `a Float32Array with one entry per completion token (${r.completion.length})`,
    r.behaviourLogProbs?.length,
  );
  for (let i = 0; i < r.behaviourLogProbs.length; i++) {
    check(Number.isFinite(r.behaviourLogProbs[i]!), `${where}.behaviourLogProbs[${i}]`, 'a finite log-probability', r.behaviourLogProbs[i]);
  }
  check(Number.isFinite(r.reward), `${where}.reward`, 'a finite number', r.reward);
}

/**
 * Checks every rollout, groups them by groupId (groups in order of first appearance, rollouts in
 * their given order) and attaches each one's advantage. Nothing is dropped: zero-variance groups
 * come back with zero advantages and `stats.zeroVariance` set.
 */
export function groupRollouts(rollouts: readonly Rollout[], options: AdvantageOptions = {}): RolloutGroup[] {
  const byId = new Map<string, Rollout[]>();
  rollouts.forEach((r, i) => {
    checkRollout(r, `rollouts[${i}]`);
    const members = byId.get(r.groupId);
    if (members) members.push(r);
    else byId.set(r.groupId, [r]);
  });
  return [...byId].map(([groupId, members]) => {
    const rewards = members.map((r) => r.reward);
    const advantages = groupAdvantages(rewards, options);
    return {
      groupId,
      stats: groupStats(rewards),
      rollouts: members.map((r, i) => ({ ...r, advantage: advantages[i]! })),
    };
  });
}
