import { describe, expect, it } from 'vitest';
import {
  ARITHMETIC_SPLITS,
  arithmeticTask,
  TaskOptionError,
  UnknownSplitError,
  type Question,
} from '../../../src/tasks/index.ts';

const task = arithmeticTask();
const q: Question = { id: 'easy:37+85+19', split: 'easy', prompt: '37+85+19=', answer: '141' };

describe('arithmetic generate', () => {
  it('arithmetic generate - same split, count and seed give the same questions', () => {
    expect(task.generate('easy', 50, 3)).toEqual(task.generate('easy', 50, 3));
  });

  it('arithmetic generate - different seeds and splits differ', () => {
    expect(task.generate('easy', 20, 3)).not.toEqual(task.generate('easy', 20, 4));
    // Two splits of the same difficulty must not draw the same numbers from the same seed.
    const twin = arithmeticTask({ splits: { a: ARITHMETIC_SPLITS.easy, b: ARITHMETIC_SPLITS.easy } });
    const prompts = (split: string) => twin.generate(split, 5, 3).map((x) => x.prompt);
    expect(prompts('a')).not.toEqual(prompts('b'));
  });

  it('arithmetic generate - a smaller request is a prefix of a larger one', () => {
    expect(task.generate('hard', 10, 9)).toEqual(task.generate('hard', 30, 9).slice(0, 10));
  });

  it('arithmetic generate - questions follow the split difficulty', () => {
    for (const [split, { operands, digits }] of Object.entries(ARITHMETIC_SPLITS)) {
      const questions = task.generate(split, 200, 1);
      expect(new Set(questions.map((x) => x.id)).size).toBe(200);
      for (const x of questions) {
        expect(x.split).toBe(split);
        expect(x.id).toBe(`${split}:${x.prompt.slice(0, -1)}`);
        const terms = x.prompt.slice(0, -1).split('+');
        expect(terms).toHaveLength(operands);
        for (const t of terms) expect(t).toMatch(new RegExp(`^[1-9]\\d{${digits - 1}}$`));
        expect(Number(x.answer)).toBe(terms.reduce((a, t) => a + Number(t), 0));
      }
    }
  });

  it('arithmetic generate - unknown split error names it and lists the known ones', () => {
    expect(() => task.generate('expert', 1, 0)).toThrow(UnknownSplitError);
    expect(() => task.generate('expert', 1, 0)).toThrow(/"expert".*easy, medium, hard/);
  });

  it('arithmetic generate - rejects a bad count', () => {
    expect(() => task.generate('easy', -1, 0)).toThrow(TaskOptionError);
    expect(() => task.generate('easy', 1.5, 0)).toThrow(TaskOptionError);
    expect(task.generate('easy', 0, 0)).toEqual([]);
    const tiny = arithmeticTask({ splits: { tiny: { operands: 2, digits: 1 } } });
    expect(tiny.generate('tiny', 100, 0)).toHaveLength(100);
    expect(() => tiny.generate('tiny', 101, 0)).toThrow(/at most 100/);
  });
});

describe('arithmetic options', () => {
  it('arithmetic options - custom splits replace the defaults', () => {
    const custom = arithmeticTask({ name: 'add', splits: { ...ARITHMETIC_SPLITS, xl: { operands: 12, digits: 2 } } });
    expect(custom.name).toBe('add');
    expect(custom.splits).toEqual(['easy', 'medium', 'hard', 'xl']);
    expect(custom.generate('xl', 1, 0)[0].prompt.split('+')).toHaveLength(12);
  });

  it('arithmetic options - bad difficulty names the field', () => {
    expect(() => arithmeticTask({ splits: { a: { operands: 1, digits: 2 } } })).toThrow(/splits\.a\.operands/);
    expect(() => arithmeticTask({ splits: { b: { operands: 2, digits: 0 } } })).toThrow(/splits\.b\.digits/);
    expect(() => arithmeticTask({ splits: {} })).toThrow(TaskOptionError);
  });
});

describe('arithmetic verify', () => {
  it('arithmetic verify - the right answer after the last # scores 1', () => {
    expect(task.verify(q, '0037+085=0122;0122+019=0141;#141')).toBe(1);
    expect(task.verify(q, '#141')).toBe(1);
    expect(task.verify(q, '#0141')).toBe(1);
    expect(task.verify(q, '#999;#141')).toBe(1);
    expect(task.verify(q, '#141;junk')).toBe(1);
    expect(task.verify(q, '0037+085=0132!0037+085=0122;0122+019=0141;#141')).toBe(1);
  });

  it('arithmetic verify - wrong or unparsable answers score 0', () => {
    expect(task.verify(q, '0037+085=0122;0122+019=0142;#142')).toBe(0);
    expect(task.verify(q, '#141;#142')).toBe(0);
    expect(task.verify(q, '0037+085=0122;0122+019=0141;')).toBe(0);
    expect(task.verify(q, '#')).toBe(0);
    expect(task.verify(q, '#;141')).toBe(0);
    expect(task.verify(q, '')).toBe(0);
    expect(task.verify(q, '#1410')).toBe(0);
    expect(task.verify(q, `#${'0'.repeat(40)}141`)).toBe(1);
    expect(task.verify(q, `#141${'0'.repeat(40)}`)).toBe(0);
  });
});
