/**
 * What `saturn up` checks before it starts a broker or any actor: that the config's task can be
 * built (its options and its data file), that the checkpoint is there and speaks the task's
 * tokenizer, and that the splits the config names exist. Each failure is one line naming the field,
 * instead of a learner dying minutes later with the reason in its log.
 */
import { readFileSync } from 'node:fs';
import { SaturnError } from '../errors.ts';
import { checkpointHeader } from '../model/checkpoint.ts';
import type { Task } from '../tasks/types.ts';
import type { RunConfig } from './config.ts';
import { taskName, taskOf } from './task-spec.ts';

/** The config's task, built; throws a SaturnError naming the first field that does not fit. */
export function preflight(config: RunConfig): Task {
  const task = taskOf(config.task);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(config.checkpoint);
  } catch (cause) {
    throw new SaturnError(`checkpoint: ${config.checkpoint} cannot be read (${(cause as Error).message}); run saturn pretrain, or set "checkpoint" in the config`, { cause });
  }
  const { config: model } = checkpointHeader(bytes, `checkpoint ${config.checkpoint}`);
  if (model?.vocabSize !== task.tokenizer.vocabSize) {
    throw new SaturnError(
      `checkpoint: ${config.checkpoint} has a vocabulary of ${model?.vocabSize} ids, task ${taskName(config.task)}'s tokenizer has ${task.tokenizer.vocabSize}; ` +
        `use a checkpoint trained on this task (saturn pretrain --task ${taskName(config.task)} …)`,
    );
  }
  // The config's splits were checked against the task by runConfig (src/run/config-check.ts).
  return task;
}
