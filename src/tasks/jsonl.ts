/**
 * Tasks from a JSONL file of `{"question": …, "answer": …}` lines, verified by the last
 * `\boxed{…}` of a completion. Lets saturn train on any math-style dataset without code.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { verifyBoxed } from './boxed.ts';
import { byteTokenizer } from './byte-tokenizer.ts';
import { JsonlFormatError, requireCount, requireSplit } from './errors.ts';
import { deriveSeed, hashString, mulberry32, randInt } from './rng.ts';
import type { Question, Task } from './types.ts';

/** Split of a line that names none. */
export const DEFAULT_SPLIT = 'train';
/** Split of the held-out lines when {@link JsonlFields.testShare} is set. */
export const TEST_SPLIT = 'test';

/** Where a line's fields are, and how lines without a `split` are divided. */
export interface JsonlFields {
  /** Field holding the question text (default `question`). */
  question?: string;
  /** Field holding the reference answer (default `answer`). */
  answer?: string;
  /**
   * Share in [0, 1) of the lines without a `split` field that go to split `test` instead of
   * `train` (default 0). A line's side is fixed by a hash of its question text, not its line
   * number, so adding or reordering lines never moves a question from one split to the other.
   */
  testShare?: number;
}

/**
 * Questions of a JSONL text, one JSON object per line:
 * `{"question": string, "answer": string | number, "split"?: string, "id"?: string}` (the
 * question and answer fields can be named otherwise, see {@link JsonlFields}). Blank lines are
 * skipped and other fields ignored. The id defaults to `<split>:<line>`.
 * Throws {@link JsonlFormatError} naming `file`, the line and what is wrong.
 */
export function parseJsonl(text: string, file: string, fields: JsonlFields = {}): Question[] {
  const questions: Question[] = [];
  const ids = new Set<string>();
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      const question = parseLine(raw, file, line, fields);
      const key = `${question.split}\u0000${question.id}`;
      if (ids.has(key)) throw new JsonlFormatError(file, line, `duplicate id "${question.id}" in split "${question.split}"`);
      ids.add(key);
      questions.push(question);
    });
  if (questions.length === 0) throw new JsonlFormatError(file, 0, 'the file holds no questions');
  return questions;
}

/**
 * A task over `questions`, with the byte-level tokenizer and the boxed-answer verifier. The
 * prompt is the question text as is; wrapping it in a chat template is the policy's business.
 *
 * `generate(split, count, seed)` samples *without* replacement: a seeded shuffle of the split,
 * of which it returns the first `count` — so at most the split's size, never a repeat. The
 * first k of a larger request are the k of a smaller one with the same seed.
 */
export function jsonlTask(questions: readonly Question[], name: string): Task {
  const bySplit = new Map<string, Question[]>();
  for (const q of questions) {
    const list = bySplit.get(q.split) ?? [];
    list.push(q);
    bySplit.set(q.split, list);
  }
  const splits = [...bySplit.keys()];
  return {
    name,
    tokenizer: byteTokenizer(),
    splits,
    generate(split, count, seed) {
      requireSplit(name, split, splits);
      requireCount(count);
      const pool = bySplit.get(split)!;
      const order = pool.map((_, i) => i);
      const rng = mulberry32(deriveSeed(seed, split));
      const take = Math.min(count, pool.length);
      // Partial Fisher–Yates: only the first `take` places are drawn.
      for (let i = 0; i < take; i++) {
        const j = randInt(rng, i, order.length - 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order.slice(0, take).map((i) => ({ ...pool[i] }));
    },
    verify(question, completion) {
      return verifyBoxed(question.answer, completion);
    },
    // What warm start (`saturn pretrain --task jsonl`) teaches: the answer, boxed, at once. It
    // gives a policy the file's answer format and tokenizer; the reasoning is the dataset's job.
    trace(question) {
      const completion = `\\boxed{${question.answer}}`;
      return { completion, lossMask: new Uint8Array(completion.length).fill(1) };
    },
  };
}

/** A task read from the JSONL file at `path`, named after the file unless `name` is given. */
export function loadJsonlTask(path: string, name?: string, fields: JsonlFields = {}): Task {
  const text = readFileSync(path, 'utf8');
  return jsonlTask(parseJsonl(text, path, fields), name ?? basename(path, extname(path)));
}

function parseLine(raw: string, file: string, line: number, fields: JsonlFields): Question {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new JsonlFormatError(file, line, `not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JsonlFormatError(file, line, 'expected an object like {"question": "…", "answer": "…"}');
  }
  const record = value as Record<string, unknown>;
  const fail = (reason: string): never => {
    throw new JsonlFormatError(file, line, reason);
  };
  const questionField = fields.question ?? 'question';
  const answerField = fields.answer ?? 'answer';
  const question = record[questionField];
  const answer = record[answerField];
  const { id } = record;
  if (typeof question !== 'string' || question.trim() === '') fail(`"${questionField}" must be a non-empty string`);
  const answerText = typeof answer === 'number' && Number.isFinite(answer) ? String(answer) : answer;
  if (typeof answerText !== 'string' || answerText.trim() === '') {
    fail(`"${answerField}" must be a non-empty string or a finite number`);
  }
  // hashString / 2³² is uniform in [0, 1): the same question always lands on the same side.
  const heldOut = (fields.testShare ?? 0) > hashString(question as string) / 2 ** 32;
  const split = record.split ?? (heldOut ? TEST_SPLIT : DEFAULT_SPLIT);
  if (typeof split !== 'string' || split === '') fail('"split" must be a non-empty string when present');
  if (id !== undefined && (typeof id !== 'string' || id === '')) fail('"id" must be a non-empty string when present');
  return {
    id: (id as string | undefined) ?? `${split}:${line}`,
    split: split as string,
    prompt: question as string,
    answer: answerText as string,
  };
}
