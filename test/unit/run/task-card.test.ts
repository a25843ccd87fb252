import { describe, expect, it } from 'vitest';
import { taskCard } from '../../../src/run/task-card.ts';
import { resolveTask } from '../../../src/tasks/index.ts';

describe('taskCard', () => {
  it('taskCard - the built-in task: one token per character, specials first (the table of docs/protocol.md)', () => {
    const task = resolveTask('arithmetic');
    const card = taskCard(task);
    expect(card).toMatchObject({ name: 'arithmetic', vocabSize: 18, pad: 0, bos: 1, eos: 2 });
    expect(card.symbols).toEqual([null, null, null, ...'0123456789+=;#!']);
    // Encoding from the card alone gives the task's own ids.
    const byCard = Array.from('37+85=', (ch) => card.symbols.indexOf(ch));
    expect(byCard).toEqual(Array.from(task.tokenizer.encode('37+85=')));
  });
});
