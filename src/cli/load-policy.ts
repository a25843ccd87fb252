import { loadCheckpointFile } from '../model/checkpoint.ts';
import type { Policy } from '../model/policy.ts';
import { resolveTask } from '../tasks/index.ts';
import type { Task } from '../tasks/types.ts';
import { check } from '../errors.ts';

/** A checkpoint's policy and the task it was trained on (named in its metadata). */
export async function loadPolicyAndTask(path: string): Promise<{ policy: Policy; task: Task; meta: Record<string, unknown> }> {
  const { policy, optimizer, meta } = await loadCheckpointFile(path);
  optimizer?.dispose();
  const taskName = typeof meta.task === 'string' ? meta.task : 'arithmetic';
  const task = resolveTask(taskName);
  check(task.tokenizer.vocabSize === policy.config.vocabSize, `checkpoint ${path}: model.vocabSize`, `the vocabulary size of task ${taskName} (${task.tokenizer.vocabSize})`, policy.config.vocabSize);
  return { policy, task, meta };
}
