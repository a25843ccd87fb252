import { describe, expect, it } from 'vitest';
import { AttemptTimeoutError, retrying, withTimeout } from '../../../src/bus/retry.ts';
import { ValidationError } from '../../../src/protocol/errors.ts';

describe('retrying', () => {
  it('retrying - retries failures with backoff and returns the first success', async () => {
    let calls = 0;
    const retries: number[] = [];
    const value = await retrying(async () => {
      calls++;
      if (calls < 3) throw new Error(`fail ${calls}`);
      return 'ok';
    }, { onRetry: (_, tries) => retries.push(tries) });
    expect(value).toBe('ok');
    expect(retries).toEqual([1, 2]);
  });

  it('retrying - an attempt that never settles is abandoned after attemptMs and tried again', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const value = await retrying(() => (++calls === 1 ? new Promise<string>(() => undefined) : Promise.resolve('second')), { attemptMs: 50, onRetry: (e) => errors.push(e) });
    expect(value).toBe('second');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(AttemptTimeoutError);
  });

  it('retrying - rethrows the last error once totalMs is spent', async () => {
    await expect(retrying(() => new Promise(() => undefined), { attemptMs: 20, totalMs: 100 })).rejects.toBeInstanceOf(AttemptTimeoutError);
    await expect(retrying(async () => { throw new Error('always'); }, { totalMs: 50 })).rejects.toThrow('always');
  });

  it('withTimeout - passes a settled promise through, turns a pending one into AttemptTimeoutError', async () => {
    expect(await withTimeout(Promise.resolve(7), 50)).toBe(7);
    await expect(withTimeout(Promise.reject(new Error('own')), 50)).rejects.toThrow('own');
    await expect(withTimeout(new Promise(() => undefined), 20)).rejects.toBeInstanceOf(AttemptTimeoutError);
  });
});

describe('retrying - abandoned attempts', () => {
  it('retrying - an attempt abandoned for its time that rejects later is never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const value = await retrying(() => (++calls === 1 ? new Promise<string>((_, reject) => setTimeout(() => reject(new Error('late TimeoutError')), 80)) : Promise.resolve('second')), { attemptMs: 20 });
      expect(value).toBe('second');
      await new Promise((r) => setTimeout(r, 150));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('retrying - with totalMs Infinity it retries until giveUp says stop', async () => {
    let stop = false;
    let calls = 0;
    const p = retrying(async () => { if (++calls === 3) stop = true; throw new Error('broker down'); }, { totalMs: Infinity, giveUp: () => stop });
    await expect(p).rejects.toThrow('broker down');
    expect(calls).toBe(3);
  });

  it('retrying - an error that says it is not retryable (a message failing validation) is rethrown at once', async () => {
    let calls = 0;
    const invalid = () => new ValidationError('samples[0].logProbs[0]', 'a finite number', 'NaN');
    await expect(retrying(async () => { calls++; throw invalid(); }, { totalMs: Infinity })).rejects.toThrow(/expected a finite number, got NaN/);
    expect(calls).toBe(1);
  });
});
