import type { Task } from '../tasks/types.ts';

/**
 * What an actor in another language needs to encode prompts and decode completions of a run's
 * task, stored as JSON under the state key `task` (docs/protocol.md §1): `symbols[id]` is the
 * text of token `id`, null for the special ids (pad, bos, eos), which decode to nothing.
 */
export interface TaskCard {
  name: string;
  splits: string[];
  vocabSize: number;
  pad: number;
  bos: number;
  eos: number;
  symbols: Array<string | null>;
}

/** The card of `task`, read off its tokenizer id by id (works for any tokenizer). */
export function taskCard(task: Task): TaskCard {
  const t = task.tokenizer;
  const special = new Set([t.pad, t.bos, t.eos]);
  const symbols = Array.from({ length: t.vocabSize }, (_, id) => (special.has(id) ? null : t.decode([id])));
  return { name: task.name, splits: [...task.splits], vocabSize: t.vocabSize, pad: t.pad, bos: t.bos, eos: t.eos, symbols };
}
