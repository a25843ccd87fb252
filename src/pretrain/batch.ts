import type { Question, Task } from '../tasks/types.ts';

/** A right-padded token batch with a loss mask over the positions that are predicted. */
export interface TokenBatch {
  /** [rows, width] token ids, row-major; each row is bos + prompt + completion (+ eos), then pads. */
  tokens: Int32Array;
  /** [rows, width − 1]: 1 where predicting tokens[:, t + 1] is trained. */
  mask: Float32Array;
  rows: number;
  width: number;
}

/** One sequence to train on: prompt ids (bos included), completion ids and a per-completion-token mask. */
export interface MaskedSequence {
  prompt: Int32Array;
  completion: Int32Array;
  completionMask: ArrayLike<number>;
}

/** Packs sequences into a right-padded batch; only completion tokens with mask 1 are trained. */
export function packBatch(sequences: MaskedSequence[], pad: number): TokenBatch {
  const rows = sequences.length;
  const width = Math.max(...sequences.map((s) => s.prompt.length + s.completion.length));
  const tokens = new Int32Array(rows * width).fill(pad);
  const mask = new Float32Array(rows * (width - 1));
  sequences.forEach((s, r) => {
    tokens.set(s.prompt, r * width);
    tokens.set(s.completion, r * width + s.prompt.length);
    for (let i = 0; i < s.completion.length; i++) {
      // completion token i sits at position prompt.length + i and is predicted from the one before it
      mask[r * (width - 1) + s.prompt.length + i - 1] = s.completionMask[i]!;
    }
  });
  return { tokens, mask, rows, width };
}

/** bos + the encoded prompt text: what every sampler and learner conditions on. */
export function promptIds(task: Task, question: Question): Int32Array {
  const body = task.tokenizer.encode(question.prompt);
  const ids = new Int32Array(body.length + 1);
  ids[0] = task.tokenizer.bos;
  ids.set(body, 1);
  return ids;
}

/** A supervised sequence from a task trace: completion + eos, eos always trained. */
export function traceSequence(task: Task, question: Question, rng: () => number, repairProbability: number, falseAlarmShare = 0): MaskedSequence {
  if (!task.trace) throw new Error(`task ${task.name} has no traces for supervised warm start`);
  const trace = task.trace(question, rng, { repairProbability, falseAlarmShare });
  const body = task.tokenizer.encode(trace.completion);
  const completion = new Int32Array(body.length + 1);
  completion.set(body);
  completion[body.length] = task.tokenizer.eos;
  const completionMask = new Uint8Array(completion.length);
  completionMask.set(trace.lossMask);
  completionMask[body.length] = 1;
  return { prompt: promptIds(task, question), completion, completionMask };
}
