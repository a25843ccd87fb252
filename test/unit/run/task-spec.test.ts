import { describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/run/config.ts';
import { checkTaskSpec, taskOf } from '../../../src/run/task-spec.ts';

const DATA = 'examples/data/arithmetic-boxed.jsonl';

describe('task spec', () => {
  it('task spec - the config takes a bare name or {name, options}; the default stays arithmetic', () => {
    expect(runConfig().task).toBe('arithmetic');
    // The config builds its task (and checks its splits against it): jsonl without a path is refused.
    expect(() => runConfig({ task: 'jsonl' })).toThrow(/^task\.options\.path: expected/);
    const splits = { selector: { split: 'train' }, evaluation: { splits: ['train'] } };
    expect(runConfig({ task: { name: 'jsonl', options: { path: DATA } }, ...splits }).task).toEqual({ name: 'jsonl', options: { path: DATA } });
  });

  it('task spec - a malformed spec is one error naming the field', () => {
    expect(() => runConfig({ task: 3 as never })).toThrow(/^task: expected a task name or/);
    expect(() => checkTaskSpec({ nam: 'jsonl' })).toThrow('task.nam: expected a known field (one of name, options)');
    expect(() => checkTaskSpec({ name: '' })).toThrow(/^task\.name: expected a task name/);
    expect(() => checkTaskSpec({ name: 'jsonl', options: [1] })).toThrow(/^task\.options: expected an object/);
  });

  it('task spec - building the task names task.options.<field> for what the jsonl factory rejects', () => {
    expect(() => taskOf({ name: 'jsonl' })).toThrow('task.options.path: expected the path of a JSONL file, got undefined');
    expect(() => taskOf({ name: 'jsonl', options: { path: 'no/such.jsonl' } })).toThrow(/^task\.options\.path: cannot read no\/such\.jsonl \(ENOENT/);
    expect(() => taskOf({ name: 'jsonl', options: { path: DATA, testShare: 1 } })).toThrow('task.options.testShare: expected a number in [0, 1), got 1');
    expect(() => taskOf({ name: 'jsonl', options: { path: DATA, questionField: 'q' } })).toThrow(/^task\.options\.path: .*arithmetic-boxed\.jsonl:1: "q" must be a non-empty string/);
    expect(() => taskOf('nope')).toThrow(/^task\.name: unknown task "nope" \(known tasks: arithmetic, jsonl/);
  });

  it('task spec - the bundled file: fields by name, a held-out test split fixed by each question, boxed verifier and trace', () => {
    const task = taskOf({ name: 'jsonl', options: { path: DATA, testShare: 0.2 } });
    const train = task.generate('train', 1000, 1);
    const test = task.generate('test', 1000, 1);
    expect(train.length + test.length).toBe(100);
    expect(test.length).toBeGreaterThan(10);
    expect(new Set([...train, ...test].map((q) => q.prompt)).size).toBe(100);
    // The same question lands in the same split whatever the seed.
    expect(new Set(taskOf({ name: 'jsonl', options: { path: DATA, testShare: 0.2 } }).generate('test', 1000, 7).map((q) => q.prompt))).toEqual(new Set(test.map((q) => q.prompt)));
    const q = train[0]!;
    const trace = task.trace!(q, Math.random);
    expect(task.verify(q, trace.completion)).toBe(1);
    expect(trace.lossMask.length).toBe(trace.completion.length);
  });
});
