import { describe, expect, it } from 'vitest';
import { parseCompletionRequest } from '../../../src/serve/completion-request.ts';
import { arithmeticTokenizer } from '../../../src/tasks/index.ts';

const parse = (body: unknown) => parseCompletionRequest(body, arithmeticTokenizer, 96);

describe('saturn serve: completion requests', () => {
  it('serve - a text prompt is encoded after bos; ids are taken as given; defaults as OpenAI', () => {
    const r = parse({ prompt: '1+2=', logprobs: 1, stop: ';', seed: 5 });
    expect(Array.from(r.prompt)).toEqual([arithmeticTokenizer.bos, ...arithmeticTokenizer.encode('1+2=')]);
    expect(r).toMatchObject({ maxTokens: 16, temperature: 1, topP: 1, n: 1, logprobs: 1, stop: [';'], seed: 5 });
    expect(Array.from(parse({ prompt: [1, 4, 5] }).prompt)).toEqual([1, 4, 5]);
    expect(Array.from(parse({ prompt: [[1, 4]] }).prompt)).toEqual([1, 4]);
    expect(parse({ prompt: '1', unknown_field: true, model: 'm' }).model).toBe('m');
  });

  it('serve - a bad field is refused naming it', () => {
    expect(() => parse([])).toThrow(/^body: expected a JSON object/);
    expect(() => parse({})).toThrow(/^prompt: expected a string/);
    expect(() => parse({ prompt: 'ab' })).toThrow(/^prompt: cannot encode "a"/);
    expect(() => parse({ prompt: [1, 18] })).toThrow(/^prompt\[1\]: expected a token id in \[0, 18\), got 18/);
    expect(() => parse({ prompt: '1'.repeat(96) })).toThrow(/^prompt: 97 tokens leave no room/);
    expect(() => parse({ prompt: '1', max_tokens: 0 })).toThrow(/^max_tokens: expected a positive integer, got 0/);
    expect(() => parse({ prompt: '1', temperature: 0 })).toThrow(/^temperature: expected a number in \(0, 100\]/);
    expect(() => parse({ prompt: '1', top_p: 1.5 })).toThrow(/^top_p:/);
    expect(() => parse({ prompt: '1', n: 1000 })).toThrow(/^n: expected an integer in \[1, 128\]/);
    expect(() => parse({ prompt: '1', logprobs: 9 })).toThrow(/^logprobs:/);
    expect(() => parse({ prompt: '1', stop: ['a', 'b', 'c', 'd', 'e'] })).toThrow(/^stop:/);
    expect(() => parse({ prompt: '1', seed: 1.5 })).toThrow(/^seed:/);
    expect(() => parse({ prompt: '1', stream: true })).toThrow(/^stream: streaming is not supported/);
    expect(() => parse({ prompt: '1', echo: true })).toThrow(/^echo:/);
  });
});
