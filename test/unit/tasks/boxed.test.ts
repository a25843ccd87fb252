import { describe, expect, it } from 'vitest';
import { answersMatch, lastBoxed, normaliseAnswer, verifyBoxed } from '../../../src/tasks/index.ts';

describe('boxed extraction', () => {
  it('boxed extraction - handles nested braces', () => {
    expect(lastBoxed('so x = \\boxed{\\frac{1}{2}}.')).toBe('\\frac{1}{2}');
    expect(lastBoxed('\\boxed{{a}{b{c}}}')).toBe('{a}{b{c}}');
  });

  it('boxed extraction - the last box wins', () => {
    expect(lastBoxed('first \\boxed{3}, then \\boxed{4}')).toBe('4');
    expect(verifyBoxed('4', 'first \\boxed{3}, then \\boxed{4}')).toBe(1);
    expect(verifyBoxed('3', 'first \\boxed{3}, then \\boxed{4}')).toBe(0);
  });

  it('boxed extraction - a box inside a box belongs to the outer one', () => {
    expect(lastBoxed('\\boxed{1 + \\boxed{2}}')).toBe('1 + \\boxed{2}');
  });

  it('boxed extraction - no box, an unclosed box and escaped braces', () => {
    expect(lastBoxed('the answer is 4')).toBeUndefined();
    expect(lastBoxed('\\boxed{4} and then \\boxed{5')).toBe('4');
    expect(lastBoxed('\\boxed{\\{1,2\\}}')).toBe('\\{1,2\\}');
    expect(lastBoxed('\\boxed {7}')).toBe('7');
  });
});

describe('boxed normalise', () => {
  it('boxed normalise - strips dollars, spaces and thousands commas only', () => {
    expect(normaliseAnswer('  $1,234,567$ ')).toBe('1234567');
    expect(normaliseAnswer('\\$ 12')).toBe('12');
    expect(normaliseAnswer('1\\,000')).toBe('1000');
    expect(normaliseAnswer('(1,2)')).toBe('(1,2)');
    expect(normaliseAnswer('1,23')).toBe('1,23');
  });
});

describe('boxed verify', () => {
  const cases: [answer: string, completion: string, reward: 0 | 1][] = [
    ['42', 'so \\boxed{42}', 1],
    ['42', 'so \\boxed{ 42 }', 1],
    ['42', 'so \\boxed{43}', 0],
    ['1.5', '\\boxed{1.50}', 1],
    ['3', '\\boxed{+3}', 1],
    ['0', '\\boxed{-0}', 1],
    ['-7', '\\boxed{-7}', 1],
    ['-7', '\\boxed{7}', 0],
    ['1234', '\\boxed{1,234}', 1],
    ['1234567', '\\boxed{$1,234,567$}', 1],
    ['0.5', '\\boxed{\\frac{1}{2}}', 1],
    ['1/2', '\\boxed{\\dfrac{1}{2}}', 1],
    ['\\frac{1}{2}', '\\boxed{0.5}', 1],
    ['\\frac{1}{2}', '\\boxed{2/4}', 1],
    ['-1/2', '\\boxed{-\\frac{1}{2}}', 1],
    ['-1/2', '\\boxed{\\frac{-1}{2}}', 1],
    ['1/3', '\\boxed{0.333}', 0],
    ['1/2', '\\boxed{\\frac12}', 1],
    ['100', '\\boxed{1e2}', 1],
    ['0.1', '\\boxed{.1}', 1],
    ['5', 'the answer is 5', 0],
    ['5', '\\boxed{}', 0],
    ['5', '\\boxed{  }', 0],
    ['x+1', '\\boxed{x + 1}', 1],
    ['x+1', '\\boxed{1+x}', 0],
    ['B', '\\boxed{B}', 1],
    ['B', '\\boxed{b}', 0],
    ['12', '\\boxed{12abc}', 0],
  ];
  it.each(cases)('boxed verify - answer %s, completion %s → %i', (answer, completion, reward) => {
    expect(verifyBoxed(answer, completion)).toBe(reward);
  });

  it('boxed verify - an empty answer matches nothing', () => {
    expect(answersMatch('', '')).toBe(false);
  });
});
