/**
 * Run configs that contradict themselves, as a user would write them, with the field each must be
 * refused for: shared by the `runConfig` unit tests and the `saturn up --config` command test.
 */
import type { DeepPartial, RunConfig } from '../../src/run/config.ts';

/** Each override, and the one field its error must name. */
export const CONTRADICTIONS: Array<[what: string, overrides: DeepPartial<RunConfig>, field: string]> = [
  ['reversed band', { selector: { band: [0.75, 0.25] } }, 'selector.band'],
  ['τ outside the band', { selector: { tau: 0.9 } }, 'selector.tau'],
  ['a fraction of 0', { selector: { fractions: [0, 0.5] } }, 'selector.fractions[0]'],
  ['a fraction of 1', { selector: { fractions: [0.5, 1] } }, 'selector.fractions[1]'],
  ['negative evaluation.questions', { evaluation: { questions: -5 } }, 'evaluation.questions'],
  ['learner temperature ≠ sampling temperature', { sampling: { temperature: 0.7 }, learner: { grpo: { temperature: 1 } } }, 'learner.grpo.temperature'],
  ['an infinite temperature (1e999 in JSON)', { sampling: { temperature: Infinity } }, 'sampling.temperature'],
  ['the openai engine without a server URL', { rollout: { engine: 'openai' }, engines: { openai: {} } }, 'engines.openai.baseUrl'],
  ['a heartbeat past the timer range', { heartbeatSeconds: 3_000_000 }, 'heartbeatSeconds'],
  ['an ack wait past the timer range', { rollout: { ackWaitSeconds: 1e7 } }, 'rollout.ackWaitSeconds'],
  ['an unknown task', { task: 'chess' }, 'task.name'],
  ['an unknown split', { selector: { split: 'impossible' } }, 'selector.split'],
  ['an unknown evaluation split', { evaluation: { splits: ['easy', 'nope'] } }, 'evaluation.splits[1]'],
  ['a pool smaller than the first step needs', { learner: { minPool: 40 } }, 'learner.minPool'],
];


/** `overrides` as the JSON text of a config file; Infinity is written `1e999`, which JSON.parse reads back as Infinity. */
export function configText(overrides: object): string {
  return JSON.stringify(overrides, (_k, v) => (v === Infinity ? '__INF__' : v)).replace(/"__INF__"/g, '1e999');
}
