import { describe, expect, it } from 'vitest';
import {
  arithmeticTask,
  knownTasks,
  registerTask,
  resolveTask,
  TaskOptionError,
  UnknownTaskError,
} from '../../../src/tasks/index.ts';

describe('registry', () => {
  it('registry - arithmetic and jsonl are built in', () => {
    expect(knownTasks()).toEqual(expect.arrayContaining(['arithmetic', 'jsonl']));
    const task = resolveTask('arithmetic');
    expect(task.name).toBe('arithmetic');
    expect(task.splits).toEqual(['easy', 'medium', 'hard']);
    expect(resolveTask('arithmetic', { splits: { x: { operands: 2, digits: 2 } } }).splits).toEqual(['x']);
  });

  it('registry - unknown name error lists the known names', () => {
    expect(() => resolveTask('sudoku')).toThrow(UnknownTaskError);
    expect(() => resolveTask('sudoku')).toThrow(/"sudoku".*arithmetic, jsonl/);
  });

  it('registry - a task object resolves to itself', () => {
    const task = arithmeticTask();
    expect(resolveTask(task)).toBe(task);
  });

  it('registry - registered factories receive their options', () => {
    registerTask('registry-test-add', (options?: { name?: string }) => arithmeticTask({ name: options?.name }));
    expect(resolveTask('registry-test-add', { name: 'mine' }).name).toBe('mine');
    expect(() => registerTask('registry-test-add', () => arithmeticTask())).toThrow(TaskOptionError);
  });

  it('registry - jsonl needs a path', () => {
    expect(() => resolveTask('jsonl')).toThrow(/options\.path/);
  });
});
