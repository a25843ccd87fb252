import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { YIELD_NICENESS, yieldToLearner } from '../../../src/cli/yield-to-learner.ts';

describe('yield to learner', () => {
  it('priority - a child made to yield runs nicer than its parent by YIELD_NICENESS (capped at 19); a gone pid is no error', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { stdio: 'ignore' });
    try {
      const parent = getPriority();
      yieldToLearner(child.pid);
      expect(getPriority(child.pid!)).toBe(Math.min(19, parent + YIELD_NICENESS));
    } finally {
      child.kill('SIGKILL');
      await new Promise((done) => child.once('exit', done));
    }
    expect(() => yieldToLearner(child.pid)).not.toThrow();
    expect(() => yieldToLearner(undefined)).not.toThrow();
  });
});
