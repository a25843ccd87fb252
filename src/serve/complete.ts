/**
 * One `/v1/completions` answer from saturn's policy: `n` choices sampled with the KV-cache
 * sampler, each with its text, per-token log-probs (under the request's temperature, before
 * top-p, as the rollout engines report them) and why it ended.
 */
import type { Policy } from '../model/policy.ts';
import { sampleWithCache, type Continuation } from '../model/sample.ts';
import { mulberry32 } from '../tasks/rng.ts';
import type { Tokenizer } from '../tasks/types.ts';
import type { CompletionRequest } from './completion-request.ts';

export interface CompletionChoiceOut {
  index: number;
  text: string;
  logprobs: { tokens: string[]; token_logprobs: number[]; top_logprobs: Record<string, number>[]; text_offset: number[] } | null;
  finish_reason: 'stop' | 'length';
}

export interface CompletionAnswer {
  choices: CompletionChoiceOut[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export function complete(policy: Policy, tokenizer: Tokenizer, r: CompletionRequest): CompletionAnswer {
  const room = policy.config.contextLength - r.prompt.length;
  const samples = sampleWithCache(
    policy,
    Array.from({ length: r.n }, () => r.prompt),
    // No seed: a fresh stream per request, as OpenAI servers do.
    { temperature: r.temperature, topP: r.topP, maxTokens: Math.min(r.maxTokens, room), stopToken: tokenizer.eos, rng: mulberry32(r.seed ?? Math.floor(Math.random() * 2 ** 32)) },
  );
  const choices = samples.map((s, index) => toChoice(s, index, tokenizer, r));
  const completion = choices.reduce((a, c) => a + (c.logprobs?.tokens.length ?? Array.from(c.text).length), 0);
  return { choices, usage: { prompt_tokens: r.prompt.length, completion_tokens: completion, total_tokens: r.prompt.length * r.n + completion } };
}

/** A continuation as a choice: the stop token is not text; a stop string cuts the text before it. */
function toChoice(s: Continuation, index: number, tokenizer: Tokenizer, r: CompletionRequest): CompletionChoiceOut {
  const ids = s.stopped ? s.tokens.subarray(0, -1) : s.tokens;
  const pieces = Array.from(ids, (id) => tokenizer.decode([id]));
  let finish: 'stop' | 'length' = s.stopped ? 'stop' : 'length';
  // The first stop string keeps the tokens that end before it starts (as vLLM does).
  const full = pieces.join('');
  const at = Math.min(...r.stop.map((x) => full.indexOf(x)).filter((i) => i >= 0), Infinity);
  let kept = pieces.length;
  if (at !== Infinity) {
    finish = 'stop';
    let end = 0;
    kept = pieces.findIndex((p) => (end += p.length) > at);
    if (kept < 0) kept = pieces.length;
  }
  const text = at === Infinity ? full : full.slice(0, at);
  const tokens = pieces.slice(0, kept);
  const lps = Array.from(s.logProbs.subarray(0, kept));
  let offset = 0;
  const logprobs =
    r.logprobs === undefined
      ? null
      : {
          tokens,
          token_logprobs: lps,
          // Only the sampled token's own entry: alternatives are not computed.
          top_logprobs: tokens.map((t, i) => ({ [t]: lps[i]! })),
          text_offset: tokens.map((t) => ((offset += t.length), offset - t.length)),
        };
  return { index, text, logprobs, finish_reason: finish };
}
