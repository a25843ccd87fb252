import { describe, expect, it } from 'vitest';
import { HarvestBuffer } from '../../../src/learner/harvest.ts';

const group = (requestId: string, rewards: number[], policyVersion = 3, prompt: Int32Array | undefined = Int32Array.of(1, 5, 6), kind: 'probe' | 'sweep' = 'probe') => ({
  requestId,
  kind,
  prompt,
  policyVersion,
  samples: rewards.map((reward) => ({ tokens: Int32Array.of(4, 2), logProbs: Float32Array.of(-0.1, -0.2), reward, stopped: true })),
});

describe('harvest buffer', () => {
  it('harvest - keeps groups whose rewards differ, once each, and only with their prompt', () => {
    const h = new HarvestBuffer(8);
    expect(h.offer(group('probe:a', [1, 1, 1, 0]))).toBe('kept');
    expect(h.offer(group('probe:a', [1, 1, 1, 0]))).toBe('duplicate');
    expect(h.offer(group('probe:b', [1, 1, 1, 1]))).toBe('uninformative');
    expect(h.offer({ ...group('probe:c', [0, 1]), prompt: undefined })).toBe('noPrompt');
    expect(h.size).toBe(1);
  });

  it('harvest - takes the newest policy first and drops what is too stale', () => {
    const h = new HarvestBuffer(8);
    h.offer(group('a', [0, 1], 1));
    h.offer(group('b', [0, 1], 5));
    h.offer(group('c', [0, 1], 4));
    expect(h.take(1, 3).map((g) => g.requestId)).toEqual(['b']);
    expect(h.droppedStale).toBe(1);
    expect(h.take(5, 3).map((g) => g.requestId)).toEqual(['c']);
    expect(h.size).toBe(0);
  });

  it('harvest - takes probe groups (plain saturated questions) before sweep batches, newest first within each', () => {
    const h = new HarvestBuffer(8);
    h.offer(group('sweep-new', [0, 1], 6, Int32Array.of(1, 5), 'sweep'));
    h.offer(group('probe-old', [0, 1], 4));
    h.offer(group('sweep-old', [0, 1], 4, Int32Array.of(1, 5), 'sweep'));
    h.offer(group('probe-new', [0, 1], 5));
    expect(h.take(3, 0).map((g) => g.requestId)).toEqual(['probe-new', 'probe-old', 'sweep-new']);
    expect(h.take(3, 0).map((g) => g.requestId)).toEqual(['sweep-old']);
  });

  it('harvest - stays within its capacity, dropping the oldest policy', () => {
    const h = new HarvestBuffer(2);
    h.offer(group('a', [0, 1], 2));
    h.offer(group('b', [0, 1], 1));
    h.offer(group('c', [0, 1], 3));
    expect(h.take(9, 0).map((g) => g.requestId)).toEqual(['c', 'a']);
  });
});
