import { createHash } from 'node:crypto';
import type { RolloutRequest } from '../protocol/messages.ts';
import type { SamplingConfig } from '../run/config.ts';
import { rolloutRequest } from '../run/requests.ts';
import type { Task } from '../tasks/types.ts';
import type { PlannedGroup } from './plan.ts';

/** A training request as sent, with the group it asks for. */
export interface TrainRequest {
  step: number;
  /** The planning round of its step (dynamic sampling asks for more rounds; a re-plan is one too). */
  round: number;
  group: PlannedGroup;
  request: RolloutRequest;
}

/**
 * The id of a training request: `train:s<step>:<index>:<hash>`, the hash over the run, step,
 * planning round, index, group, n, minimum version and the prompt tokens. The id names its
 * content: a resumed learner that plans a step again with other prompts asks under other ids, so
 * results that answer the old prompts can never be trained as answers to the new ones (with ids
 * `train:s<step>:<index>` alone, 8 results of a chaos run were trained on the wrong prompts). The
 * same plan gives the same ids, so a resumed learner that plans what it had planned reuses the
 * results already sampled.
 */
export function trainRequestId(run: string, step: number, round: number, index: number, r: Pick<RolloutRequest, 'groupId' | 'n' | 'minPolicyVersion' | 'prompt'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([run, step, round, index, r.groupId, r.n, r.minPolicyVersion]));
  h.update(new Uint8Array(r.prompt.buffer, r.prompt.byteOffset, r.prompt.byteLength));
  return `train:s${step}:${index}:${h.digest('hex').slice(0, 16)}`;
}

/** The wire requests of a planned step, each under its content id. */
export function trainRequests(
  plan: readonly PlannedGroup[],
  o: { run: string; step: number; round: number; minPolicyVersion: number; task: Task; sampling: SamplingConfig; now: number },
): TrainRequest[] {
  return plan.map((group, i) => {
    const draft = rolloutRequest(o.task, o.sampling, { run: o.run, kind: 'train', id: 'draft', groupId: group.groupId, question: group.question, prefix: group.prefix, n: group.n, minPolicyVersion: o.minPolicyVersion }, o.now);
    const id = trainRequestId(o.run, o.step, o.round, i, draft);
    // The sampler's seed derives from the id: build the request again under its own id.
    const request = rolloutRequest(o.task, o.sampling, { run: o.run, kind: 'train', id, groupId: group.groupId, question: group.question, prefix: group.prefix, n: group.n, minPolicyVersion: o.minPolicyVersion }, o.now);
    return { step: o.step, round: o.round, group, request };
  });
}
