/**
 * The body of `POST /v1/completions` as `saturn serve` takes it: OpenAI's legacy completions
 * fields, checked one by one; the first one that is off is a {@link RequestError} naming it (the
 * server answers 400 with it). Unknown fields are ignored, as OpenAI-compatible servers do.
 */
import type { Tokenizer } from '../tasks/types.ts';

/** A request field that is off; the HTTP answer is 400 `{"error": {"message", "param"}}`. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export interface CompletionRequest {
  /** Token ids to continue: a text prompt encoded after bos, or the ids as given. */
  prompt: Int32Array;
  maxTokens: number;
  temperature: number;
  topP: number;
  n: number;
  /** Top alternatives wanted per token (0–5), or undefined for no logprobs. */
  logprobs: number | undefined;
  /** Strings that end a choice (not included in its text). */
  stop: string[];
  seed: number | undefined;
  model: string | undefined;
}

/** Most choices per request: each is one row of a sampler batch. */
export const MAX_N = 128;

/** `body` checked against the served model's tokenizer and context; throws a RequestError. */
export function parseCompletionRequest(body: unknown, tokenizer: Tokenizer, contextLength: number): CompletionRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RequestError('body', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  const num = (param: string, fallback: number, ok: (v: number) => boolean, expected: string): number => {
    const v = b[param] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new RequestError(param, `expected ${expected}, got ${JSON.stringify(b[param])}`);
    return v;
  };
  if (b.stream === true) throw new RequestError('stream', 'streaming is not supported; leave it out or false');
  if (b.echo === true) throw new RequestError('echo', 'echo is not supported; leave it out or false');
  if (b.model !== undefined && typeof b.model !== 'string') throw new RequestError('model', `expected a string, got ${JSON.stringify(b.model)}`);
  const prompt = promptIds(b.prompt, tokenizer);
  if (prompt.length >= contextLength) throw new RequestError('prompt', `${prompt.length} tokens leave no room in the model's context of ${contextLength}`);
  const stop = b.stop === undefined || b.stop === null ? [] : typeof b.stop === 'string' ? [b.stop] : b.stop;
  if (!Array.isArray(stop) || stop.length > 4 || !stop.every((s) => typeof s === 'string' && s !== '')) throw new RequestError('stop', `expected a string or up to 4 non-empty strings, got ${JSON.stringify(b.stop)}`);
  const logprobs = b.logprobs === undefined || b.logprobs === null ? undefined : num('logprobs', 0, (v) => Number.isInteger(v) && v >= 0 && v <= 5, 'an integer in [0, 5]');
  const seed = b.seed === undefined || b.seed === null ? undefined : num('seed', 0, Number.isInteger, 'an integer');
  return {
    prompt,
    maxTokens: num('max_tokens', 16, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    temperature: num('temperature', 1, (v) => v > 0 && v <= 100, 'a number in (0, 100] (greedy decoding, 0, is not supported)'),
    topP: num('top_p', 1, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    n: num('n', 1, (v) => Number.isInteger(v) && v >= 1 && v <= MAX_N, `an integer in [1, ${MAX_N}]`),
    logprobs,
    stop,
    seed,
    model: b.model as string | undefined,
  };
}

/** A text prompt is encoded after bos; an array of ids is taken as it is (bos included if wanted). */
function promptIds(prompt: unknown, tokenizer: Tokenizer): Int32Array {
  if (typeof prompt === 'string') {
    let ids: Int32Array;
    try {
      ids = tokenizer.encode(prompt);
    } catch (e) {
      throw new RequestError('prompt', (e as Error).message);
    }
    return Int32Array.from([tokenizer.bos, ...ids]);
  }
  // A batch of one prompt, as OpenAI clients often send it.
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) return promptIds(prompt[0], tokenizer);
  if (Array.isArray(prompt) && prompt.length > 0) {
    const bad = prompt.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize);
    if (bad >= 0) throw new RequestError(`prompt[${bad}]`, `expected a token id in [0, ${tokenizer.vocabSize}), got ${JSON.stringify(prompt[bad])}`);
    return Int32Array.from(prompt as number[]);
  }
  throw new RequestError('prompt', `expected a string, a non-empty array of token ids, or a one-element array of either, got ${JSON.stringify(prompt)}`);
}
