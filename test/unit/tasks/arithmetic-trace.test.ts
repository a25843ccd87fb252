import { describe, expect, it } from 'vitest';
import {
  arithmeticTask,
  arithmeticTokenizer,
  mulberry32,
  scratchpadLayout,
  scratchpadSteps,
  TaskOptionError,
  writeScratchpad,
  type Question,
  type Trace,
} from '../../../src/tasks/index.ts';

const task = arithmeticTask({
  splits: {
    easy: { operands: 3, digits: 2 },
    medium: { operands: 4, digits: 2 },
    hard: { operands: 4, digits: 3 },
    one: { operands: 2, digits: 1 },
    long: { operands: 12, digits: 2 },
  },
});
const questions = task.splits.flatMap((split) => task.generate(split, 60, 11));
const q: Question = { id: 'easy:37+85+19', split: 'easy', prompt: '37+85+19=', answer: '141' };

/** Parses `a+b=c` into numbers and the texts of its three numbers. */
function parseStep(step: string) {
  const [, a, b, c] = /^(\d+)\+(\d+)=(\d+)$/.exec(step)!;
  return { a, b, c };
}

describe('arithmetic trace', () => {
  it('arithmetic trace - writes the fixed-width scratchpad', () => {
    expect(task.trace!(q, mulberry32(0)).completion).toBe('0037+085=0122;0122+019=0141;#141');
    expect(scratchpadSteps('37+85+19=')).toEqual(['0037+085=0122', '0122+019=0141']);
    expect(writeScratchpad('5+7=')).toBe('005+07=012;#12');
  });

  it('arithmetic trace - widths keep a spare leading zero, widening past 9 operands', () => {
    expect(scratchpadLayout(3, 2)).toEqual({ operandWidth: 3, sumWidth: 4 });
    expect(scratchpadLayout(9, 2)).toEqual({ operandWidth: 3, sumWidth: 4 });
    expect(scratchpadLayout(12, 2)).toEqual({ operandWidth: 3, sumWidth: 5 });
    expect(scratchpadLayout(4, 3)).toEqual({ operandWidth: 4, sumWidth: 5 });
  });

  it('arithmetic trace - clean traces of random questions verify and mask everything', () => {
    const rng = mulberry32(1);
    for (const question of questions) {
      const { completion, lossMask } = task.trace!(question, rng);
      expect(task.verify(question, completion)).toBe(1);
      expect(completion).not.toContain('!');
      expect(lossMask).toHaveLength(completion.length);
      expect(lossMask.every((m) => m === 1)).toBe(true);
      arithmeticTokenizer.encode(completion); // only alphabet characters
      // Every step is consistent: padded widths fixed, sums right.
      const steps = completion.split('#')[0].split(';').slice(0, -1);
      const widths = new Set(steps.slice(1).map((s) => s.length));
      expect(widths.size).toBeLessThanOrEqual(1);
      for (const s of steps) {
        const { a, b, c } = parseStep(s);
        expect(Number(a) + Number(b)).toBe(Number(c));
      }
    }
  });

  it('arithmetic trace - rejects a repair probability outside [0, 1]', () => {
    expect(() => task.trace!(q, mulberry32(0), { repairProbability: 1.5 })).toThrow(TaskOptionError);
    expect(() => task.trace!(q, mulberry32(0), { repairProbability: Number.NaN })).toThrow(TaskOptionError);
  });
});

describe('arithmetic repair', () => {
  /** Checks one repaired trace by reconstructing the clean one and the expected mask. */
  function checkRepair(question: Question, trace: Trace) {
    const { completion, lossMask } = trace;
    expect(completion.split('!')).toHaveLength(2);
    const bang = completion.indexOf('!');
    const wrongStart = completion.lastIndexOf(';', bang) + 1;
    const wrong = completion.slice(wrongStart, bang);
    const right = completion.slice(bang + 1, completion.indexOf(';', bang));

    // Removing the wrong step and its `!` gives the clean trace back.
    expect(completion.slice(0, wrongStart) + completion.slice(bang + 1)).toBe(writeScratchpad(question.prompt));
    expect(task.verify(question, completion)).toBe(1);
    expect(wrong).toHaveLength(right.length);

    // Exactly one slipped digit: either in an operand (result consistent with it) or in the result.
    const w = parseStep(wrong);
    const r = parseStep(right);
    const diff = (x: string, y: string) => [...x].filter((ch, i) => ch !== y[i]).length;
    const operandSlips = diff(w.a, r.a) + diff(w.b, r.b);
    if (operandSlips === 1) {
      expect(Number(w.a) + Number(w.b)).toBe(Number(w.c));
      expect(w.c).not.toBe(r.c);
    } else {
      expect(operandSlips).toBe(0);
      expect(diff(w.c, r.c)).toBe(1);
    }

    // Mask is 0 exactly where the wrong step differs from its redo.
    const expected = [...completion].map((_, i) =>
      i >= wrongStart && i < bang && wrong[i - wrongStart] !== right[i - wrongStart] ? 0 : 1,
    );
    expect(lossMask.join('')).toBe(expected.join('')); // strings: far faster to compare than arrays
    expect(lossMask.includes(0)).toBe(true);
  }

  it('arithmetic repair - the documented example shape', () => {
    const trace = task.trace!(q, mulberry32(3), { repairProbability: 1 });
    expect(trace.completion).toMatch(/^(\d+\+\d+=\d+;)*\d+\+\d+=\d+!\d+\+\d+=\d+;(\d+\+\d+=\d+;)*#141$/);
    checkRepair(q, trace);
  });

  it('arithmetic repair - every repaired trace has one ! and masks exactly the wrong digits', () => {
    const rng = mulberry32(2);
    for (const question of questions) {
      for (let k = 0; k < 2; k++) checkRepair(question, task.trace!(question, rng, { repairProbability: 1 }));
    }
  });

  it('arithmetic repair - slips land in operand copies and in results, in every step', () => {
    const rng = mulberry32(4);
    const where = new Set<string>();
    const steps = new Set<number>();
    for (let k = 0; k < 400; k++) {
      const { completion } = task.trace!(q, rng, { repairProbability: 1 });
      const bang = completion.indexOf('!');
      steps.add(completion.slice(0, bang).split(';').length - 1);
      const w = parseStep(completion.slice(completion.lastIndexOf(';', bang) + 1, bang));
      const r = parseStep(completion.slice(bang + 1, completion.indexOf(';', bang)));
      where.add(w.a !== r.a ? 'left' : w.b !== r.b ? 'right' : 'result');
    }
    expect(where).toEqual(new Set(['left', 'right', 'result']));
    expect(steps).toEqual(new Set([0, 1]));
  });

  it('arithmetic repair - happens at about the requested rate', () => {
    const rng = mulberry32(5);
    let repaired = 0;
    for (let k = 0; k < 2000; k++) {
      if (task.trace!(q, rng, { repairProbability: 0.25 }).completion.includes('!')) repaired++;
    }
    expect(repaired / 2000).toBeGreaterThan(0.2);
    expect(repaired / 2000).toBeLessThan(0.3);
  });
});
