import type { Rollout } from '../grpo/index.ts';
import type { RolloutRequest, RolloutResult } from '../protocol/messages.ts';
import type { PlannedGroup } from './plan.ts';
import type { GroupRewards } from '../../streams/variance.ts';

/** A step's training batch: the rollouts GRPO trains on and the groups the variance stream reports. */
export interface StepBatch {
  rollouts: Rollout[];
  groups: GroupRewards[];
  /** Results dropped for being more than `maxStaleness` versions behind. */
  stale: number;
}

/**
 * Bounded staleness: whether a result sampled by `policyVersion` may still be trained on by a
 * learner at `version` (at most `maxStaleness` versions behind; importance ratios correct the rest).
 */
export function fresh(policyVersion: number, version: number, maxStaleness: number): boolean {
  return version - policyVersion <= maxStaleness;
}

/**
 * Turns a step's results into its batch: stale results are dropped (and counted), every other
 * sample is trained as a continuation of the prompt its own request carried (the ledger has
 * checked it answers that request).
 */
export function assembleBatch(
  answered: ReadonlyArray<{ group: PlannedGroup; request: RolloutRequest; result: RolloutResult }>,
  o: { version: number; maxStaleness: number },
): StepBatch {
  const batch: StepBatch = { rollouts: [], groups: [], stale: 0 };
  for (const { group, request, result } of answered) {
    if (!fresh(result.policyVersion, o.version, o.maxStaleness)) {
      batch.stale += 1;
      continue;
    }
    batch.groups.push({ groupId: result.groupId, source: group.source, rewards: result.samples.map((x) => x.reward), drawnPHat: group.drawnPHat });
    for (const sample of result.samples) {
      batch.rollouts.push({ groupId: result.groupId, prompt: request.prompt, completion: sample.tokens, behaviourLogProbs: sample.logProbs, reward: sample.reward, policyVersion: result.policyVersion });
    }
  }
  return batch;
}

/** What DAPO's filter kept of a step's answered groups, and what it dropped. */
export interface Filtered<T> {
  kept: T[];
  /** Fresh groups whose rewards were all equal (no advantage, no gradient). */
  uninformative: number;
  /** Informative groups past the `want` the step trains on (sampled, not trained). */
  surplus: number;
  /** Results more than `maxStaleness` versions behind. */
  stale: number;
}

/**
 * DAPO's dynamic-sampling filter (verl's `filter_groups`): of the answered groups, in plan order,
 * the first `want` fresh ones whose rewards differ. `enough` says whether the step can stop
 * sampling more rounds.
 */
export function informativeGroups<T extends { result: RolloutResult }>(answered: readonly T[], o: { version: number; maxStaleness: number; want: number }): Filtered<T> & { enough: boolean } {
  const out: Filtered<T> = { kept: [], uninformative: 0, surplus: 0, stale: 0 };
  for (const a of answered) {
    if (!fresh(a.result.policyVersion, o.version, o.maxStaleness)) out.stale += 1;
    else if (!informative(a.result.samples.map((x) => x.reward))) out.uninformative += 1;
    else if (out.kept.length >= o.want) out.surplus += 1;
    else out.kept.push(a);
  }
  return { ...out, enough: out.kept.length >= o.want };
}

/** Whether a group's rewards differ (GRPO's advantages are then not all zero). */
export function informative(rewards: readonly number[]): boolean {
  return rewards.some((r) => r !== rewards[0]);
}
