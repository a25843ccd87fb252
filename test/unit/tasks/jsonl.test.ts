import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonlFormatError, loadJsonlTask, parseJsonl, UnknownSplitError } from '../../../src/tasks/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'saturn-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

const good = file('math.jsonl', [
  '{"question": "What is 1/2 + 0?", "answer": "\\\\frac{1}{2}"}',
  '',
  '{"question": "2+2?", "answer": 4}',
  '{"question": "3+3?", "answer": "6", "split": "test"}',
  ...Array.from({ length: 10 }, (_, i) => JSON.stringify({ question: `q${i}`, answer: i, split: 'test', id: `t${i}` })),
  '   ',
]);

/** The JsonlFormatError thrown by parsing `lines`. */
function parseError(lines: string[]): JsonlFormatError {
  try {
    parseJsonl(lines.join('\n'), 'bad.jsonl');
  } catch (e) {
    expect(e).toBeInstanceOf(JsonlFormatError);
    return e as JsonlFormatError;
  }
  throw new Error('expected a JsonlFormatError');
}

describe('jsonl load', () => {
  it('jsonl load - reads questions, splits and ids; blank lines skipped', () => {
    const task = loadJsonlTask(good);
    expect(task.name).toBe('math');
    expect(task.splits).toEqual(['train', 'test']);
    expect(task.tokenizer.vocabSize).toBe(259);
    const train = task.generate('train', 10, 0);
    expect(train).toHaveLength(2);
    expect(train.map((q) => q.id).sort()).toEqual(['train:1', 'train:3']);
    const q = train.find((x) => x.id === 'train:3')!;
    expect(q).toEqual({ id: 'train:3', split: 'train', prompt: '2+2?', answer: '4' });
    expect(task.verify(q, 'so \\boxed{4}')).toBe(1);
    expect(task.verify(q, 'so 4')).toBe(0);
    expect(loadJsonlTask(good, 'custom').name).toBe('custom');
  });

  it('jsonl load - generate is a seeded sample without replacement, capped at the split', () => {
    const task = loadJsonlTask(good);
    expect(task.generate('test', 5, 1)).toEqual(task.generate('test', 5, 1));
    expect(task.generate('test', 5, 1)).toEqual(task.generate('test', 11, 1).slice(0, 5));
    const all = task.generate('test', 100, 2);
    expect(all).toHaveLength(11);
    expect(new Set(all.map((q) => q.id)).size).toBe(11);
    const orders = new Set([1, 2, 3, 4].map((seed) => task.generate('test', 11, seed).map((q) => q.id).join()));
    expect(orders.size).toBeGreaterThan(1);
    expect(() => task.generate('dev', 1, 0)).toThrow(UnknownSplitError);
    expect(() => task.generate('dev', 1, 0)).toThrow(/train, test/);
  });

  it('jsonl load - a bad line error names the file, the line and the problem', () => {
    const e = parseError(['{"question": "a", "answer": "1"}', '', '{"question": "b", "answer": 2', '{}']);
    expect(e).toMatchObject({ name: 'JsonlFormatError', file: 'bad.jsonl', line: 3 });
    expect(e.message).toMatch(/^bad\.jsonl:3: not valid JSON/);
    expect(() => loadJsonlTask(file('broken.jsonl', ['{"question": "a"}']))).toThrow(/broken\.jsonl:1: "answer"/);
  });

  it('jsonl load - field errors say what is wrong', () => {
    expect(parseError(['[1, 2]']).message).toMatch(/:1: expected an object/);
    expect(parseError(['{"answer": "1"}']).message).toMatch(/:1: "question" must be/);
    expect(parseError(['{"question": "a", "answer": true}']).message).toMatch(/"answer" must be/);
    expect(parseError(['{"question": "a", "answer": ""}']).message).toMatch(/"answer" must be/);
    expect(parseError(['{"question": "a", "answer": 1, "split": 3}']).message).toMatch(/"split" must be/);
    const dup = parseError(['{"question": "a", "answer": 1, "id": "x"}', '{"question": "b", "answer": 2, "id": "x"}']);
    expect(dup.line).toBe(2);
    expect(dup.message).toMatch(/duplicate id "x"/);
    expect(parseError(['', '  ']).message).toBe('bad.jsonl: the file holds no questions');
  });
});
