import { loadCheckpointFile } from '../model/checkpoint.ts';
import type { Policy } from '../model/policy.ts';
import { checkTaskSpec, taskName, taskOf } from '../run/task-spec.ts';
import type { Task } from '../tasks/types.ts';
import { check } from '../errors.ts';

/**
 * A checkpoint's policy and the task it was trained on: `meta.task` is a task spec (a name, or
 * `{name, options}` as `saturn pretrain --task-options` and `saturn export checkpoint` write it).
 */
export async function loadPolicyAndTask(path: string): Promise<{ policy: Policy; task: Task; meta: Record<string, unknown> }> {
  const { policy, optimizer, meta } = await loadCheckpointFile(path);
  optimizer?.dispose();
  const spec = checkTaskSpec(meta.task ?? 'arithmetic', `checkpoint ${path}: meta.task`);
  const task = taskOf(spec, `checkpoint ${path}: meta.task`);
  check(task.tokenizer.vocabSize === policy.config.vocabSize, `checkpoint ${path}: model.vocabSize`, `the vocabulary size of task ${taskName(spec)} (${task.tokenizer.vocabSize})`, policy.config.vocabSize);
  return { policy, task, meta };
}
