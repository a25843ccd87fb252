import { describe, expect, it } from 'vitest';
import { metricNameOf, subjectMismatch } from '../../../src/protocol/subject-check.ts';
import { runNames } from '../../../src/protocol/subjects.ts';
import * as make from '../../helpers/messages.ts';

const names = runNames('r1');

describe('subject check - a valid message must also belong on its subject', () => {
  it('subject check - requests of another run or kind are refused, with the run named', () => {
    const subject = names.subjects.rolloutRequest('probe');
    expect(subjectMismatch(make.rolloutRequest({ run: 'r1', kind: 'probe' }), subject, names)).toBeUndefined();
    expect(subjectMismatch(make.rolloutRequest({ run: 'other', kind: 'probe' }), subject, names)).toEqual({
      cause: 'foreign',
      reason: 'rollout.request of run "other" on run r1\'s subject saturn.r1.rollout.req.probe',
    });
    expect(subjectMismatch(make.rolloutRequest({ run: 'r1', kind: 'train' }), subject, names)?.cause).toBe('subject');
  });

  it('subject check - a result of another kind than its subject is refused', () => {
    expect(subjectMismatch(make.rolloutResult({ kind: 'train' }), names.subjects.rolloutResult('train'), names)).toBeUndefined();
    expect(subjectMismatch(make.rolloutResult({ kind: 'probe' }), names.subjects.rolloutResult('train'), names)?.reason).toMatch(/kind probe does not belong on subject saturn\.r1\.rollout\.res\.train/);
  });

  it('subject check - a metrics record must carry its subject\'s name', () => {
    expect(subjectMismatch(make.metricsRecord({ name: 'pool.p_hat' }), 'saturn.r1.metrics.pool.p_hat', names)).toBeUndefined();
    expect(subjectMismatch(make.metricsRecord({ name: 'learner', step: 987654321 }), 'saturn.r1.metrics.fuzz', names)?.reason).toBe(
      'metrics.record with name "learner" does not belong on subject saturn.r1.metrics.fuzz',
    );
    expect(subjectMismatch(make.metricsRecord({ name: 'learner' }), 'saturn.r2.metrics.learner', names)?.cause).toBe('subject');
    expect(metricNameOf('saturn.r1.metrics.a.metrics.x')).toBe('a.metrics.x');
    expect(metricNameOf('saturn.r1.dead')).toBeUndefined();
  });
});
