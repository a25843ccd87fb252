import { describe, expect, it } from 'vitest';
import {
  ARITHMETIC_ALPHABET,
  arithmeticTokenizer,
  byteTokenizer,
  charTokenizer,
  TaskOptionError,
  UnknownCharError,
} from '../../../src/tasks/index.ts';

describe('char tokenizer', () => {
  it('char tokenizer - reserves 0, 1, 2 and round-trips text', () => {
    const tok = charTokenizer('ab+');
    expect([tok.pad, tok.bos, tok.eos, tok.vocabSize]).toEqual([0, 1, 2, 6]);
    expect(Array.from(tok.encode('ab+ba'))).toEqual([3, 4, 5, 4, 3]);
    expect(tok.decode(tok.encode('ab+ba'))).toBe('ab+ba');
  });

  it('char tokenizer - decode skips pad, bos and eos', () => {
    const tok = charTokenizer('xy');
    expect(tok.decode([1, 3, 4, 2, 0, 0])).toBe('xy');
    expect(() => tok.decode([5])).toThrow(RangeError);
    expect(() => tok.decode([-1])).toThrow(RangeError);
  });

  it('char tokenizer - unknown char error names the char and its position', () => {
    const tok = charTokenizer('0123');
    const error = (() => {
      try {
        tok.encode('01x2');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownCharError);
    expect(error).toMatchObject({ name: 'UnknownCharError', char: 'x', position: 2 });
    expect((error as Error).message).toContain('"x"');
    expect((error as Error).message).toContain('position 2');
  });

  it('char tokenizer - rejects an alphabet with repeated characters', () => {
    expect(() => charTokenizer('aba')).toThrow(TaskOptionError);
  });

  it('char tokenizer - arithmetic vocabulary is 18 ids', () => {
    expect(arithmeticTokenizer.vocabSize).toBe(18);
    const text = `${ARITHMETIC_ALPHABET}0037+085=0122;#122!`;
    expect(arithmeticTokenizer.decode(arithmeticTokenizer.encode(text))).toBe(text);
  });
});

describe('byte tokenizer', () => {
  it('byte tokenizer - round-trips UTF-8 with ids 3..258', () => {
    const tok = byteTokenizer();
    expect(tok.vocabSize).toBe(259);
    const text = 'x = \\frac{1}{2} — π ≈ 3.14 🙂';
    const ids = tok.encode(text);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...ids)).toBeLessThanOrEqual(258);
    expect(tok.decode([1, ...ids, 2])).toBe(text);
    expect(Array.from(tok.encode('A'))).toEqual([65 + 3]);
  });
});
