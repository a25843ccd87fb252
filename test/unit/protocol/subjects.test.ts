import { describe, expect, it } from 'vitest';
import { NameError, ROLLOUT_KINDS, runNames } from '../../../src/protocol/index.ts';

describe('subjects - names of a run', () => {
  const n = runNames('exp-1_a');

  it('subjects - follow the design table', () => {
    expect(n.subjects.rolloutRequest('probe')).toBe('saturn.exp-1_a.rollout.req.probe');
    expect(n.subjects.rolloutRequests).toBe('saturn.exp-1_a.rollout.req.*');
    expect(n.subjects.rolloutResult('train')).toBe('saturn.exp-1_a.rollout.res.train');
    expect(n.subjects.metrics('learner')).toBe('saturn.exp-1_a.metrics.learner');
    expect(n.subjects.metrics('pool.p_hat')).toBe('saturn.exp-1_a.metrics.pool.p_hat');
    expect(n.subjects.control('refresh')).toBe('saturn.exp-1_a.control.refresh');
    expect(n.subjects.dead).toBe('saturn.exp-1_a.dead');
    expect(n.subjects.weightsAnnounce).toBe('saturn.exp-1_a.weights.announce');
    expect(n.buckets).toEqual({ pool: 'saturn_exp-1_a_pool', state: 'saturn_exp-1_a_state', weights: 'saturn_exp-1_a_weights' });
    expect(n.consumers.rollout('sweep')).toBe('rollout_sweep');
    expect(n.consumers.results('train', 'learner')).toBe('results_train_learner');
    expect(n.stateKeys.heartbeat('rollout-3')).toBe('heartbeat.rollout-3');
    expect(n.objects.weights(12)).toBe('weights/v12');
  });

  it('subjects - every request subject is matched by the requests wildcard', () => {
    for (const kind of ROLLOUT_KINDS) {
      expect(n.subjects.rolloutRequest(kind).split('.').slice(0, -1)).toEqual(n.subjects.rolloutRequests.split('.').slice(0, -1));
    }
  });

  it.each(['', 'a.b', 'a*', 'a>', 'a b', 'x'.repeat(65), 'é'])('subjects - run id %j is refused naming the field', (run) => {
    expect(() => runNames(run)).toThrow(NameError);
    expect(() => runNames(run)).toThrow(/^run: expected 1–64 characters from \[A-Za-z0-9_-\]/);
  });

  it('subjects - bad parts name their field', () => {
    expect(() => n.subjects.rolloutRequest('dream' as never)).toThrow('kind: expected one of probe, sweep, train, got "dream"');
    expect(() => n.subjects.control('reboot' as never)).toThrow('cmd: expected one of refresh, stop, status');
    expect(() => n.subjects.metrics('a..b')).toThrow(/^name: expected a metric name/);
    expect(() => n.subjects.metrics('a.>')).toThrow(NameError);
    expect(() => n.stateKeys.heartbeat('a.b')).toThrow(/^actorId: /);
    expect(() => n.consumers.results('train', 'a b')).toThrow(/^role: /);
    expect(() => n.objects.weights(-1)).toThrow('version: expected a non-negative integer, got -1');
  });
});
