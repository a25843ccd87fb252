import { describe, expect, it } from 'vitest';
import { childOfThisProcess, PARENT_PID_ENV, watchParent } from '../../../src/cli/parent-watch.ts';
import { sleep } from '../../helpers/wait.ts';

describe('parent watch', () => {
  it('parent watch - a child is told once when its starter is no longer its parent', async () => {
    const gone: number[] = [];
    // A starter pid that is not this process's parent: as after the starter died and init adopted us.
    const stop = watchParent((pid) => gone.push(pid), 20, { [PARENT_PID_ENV]: String(process.ppid + 1_000_000) });
    await sleep(120);
    stop();
    expect(gone).toEqual([process.ppid + 1_000_000]);
  });

  it('parent watch - nothing happens while the starter lives, nor without SATURN_PARENT_PID', async () => {
    const gone: number[] = [];
    const a = watchParent((pid) => gone.push(pid), 20, { [PARENT_PID_ENV]: String(process.ppid) });
    const b = watchParent((pid) => gone.push(pid), 20, {});
    await sleep(120);
    a();
    b();
    expect(gone).toEqual([]);
    expect(childOfThisProcess({})[PARENT_PID_ENV]).toBe(String(process.pid));
  });
});
