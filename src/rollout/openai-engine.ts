/**
 * The `openai` engine: continuations from any server with an OpenAI-compatible
 * `/v1/completions` that returns log-probs (vLLM, SGLang, llama.cpp's server, Ollama, and
 * `saturn serve`), so a run's probes and sweeps can mine failure prefixes of a model saturn does
 * not train. The server's tokens are mapped back to the task tokenizer's ids through their text.
 */
import { SaturnError } from '../errors.ts';
import type { Tokenizer } from '../tasks/types.ts';
import type { EngineFactory, GenerationJob, Generated, RolloutEngine } from './engine.ts';
import { openAiOptions, type OpenAiEngineOptions } from './openai-options.ts';

/** The part of a `/v1/completions` choice this engine reads. */
export interface CompletionChoice {
  text: string;
  finish_reason?: string | null;
  logprobs?: { tokens?: string[]; token_logprobs?: (number | null)[] } | null;
}

/**
 * One server completion as task-tokenizer ids. Each server token's text is encoded with the task
 * tokenizer; its log-prob goes to the first id it becomes and 0 to the others, so a sequence's
 * total log-prob is the server's. The server's stop (finish_reason "stop") becomes the task's eos
 * with log-prob 0 (servers do not report the end token's). The continuation ends before the first
 * character the task tokenizer cannot write, and at `maxTokens` ids; both count as not stopped.
 */
export function choiceToGenerated(choice: CompletionChoice, tokenizer: Tokenizer, maxTokens: number, stopToken: number): Generated {
  const pieces = choice.logprobs?.tokens;
  const lps = choice.logprobs?.token_logprobs;
  if (!Array.isArray(pieces) || !Array.isArray(lps) || pieces.length !== lps.length) throw new SaturnError('the server answered without per-token logprobs (choices[].logprobs.tokens and token_logprobs); it must support the "logprobs" parameter of /v1/completions');
  const tokens: number[] = [];
  const logProbs: number[] = [];
  let cut = false;
  for (let i = 0; i < pieces.length && !cut; i++) {
    let ids: Int32Array;
    try {
      ids = tokenizer.encode(pieces[i]!);
    } catch {
      cut = true; // a character the task cannot write: the continuation ends before it
      break;
    }
    ids.forEach((id, k) => {
      tokens.push(id);
      logProbs.push(k === 0 ? (lps[i] ?? Number.NaN) : 0);
    });
  }
  let stopped = !cut && choice.finish_reason === 'stop';
  if (tokens.length >= maxTokens) {
    stopped = false;
    tokens.length = maxTokens;
    logProbs.length = maxTokens;
  } else if (stopped) {
    tokens.push(stopToken);
    logProbs.push(0);
  }
  return { tokens: Int32Array.from(tokens), logProbs: Float32Array.from(logProbs), stopped };
}

export class OpenAiEngine implements RolloutEngine {
  readonly name = 'openai';
  readonly followsWeights = false;
  readonly policyVersion: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly o: OpenAiEngineOptions & { model: string },
    private readonly tokenizer: Tokenizer,
    private readonly apiKey: string | undefined,
  ) {
    this.policyVersion = o.policyVersion;
  }

  async loadWeights(): Promise<void> {
    // Its model is the server's: the learner's weights are not for it (followsWeights is false).
  }

  refuse(job: GenerationJob): string | undefined {
    const bad = job.prompt.findIndex((id) => id < 0 || id >= this.tokenizer.vocabSize);
    if (bad >= 0) return `prompt[${bad}]: token id ${job.prompt[bad]} is outside the task tokenizer's vocabulary [0, ${this.tokenizer.vocabSize})`;
    if (job.stopToken !== this.tokenizer.eos) return `stop token ${job.stopToken} is not the task tokenizer's eos (${this.tokenizer.eos})`;
    return undefined;
  }

  generate(jobs: GenerationJob[]): Promise<Generated[][]> {
    return Promise.all(jobs.map((job) => this.generateOne(job)));
  }

  /** n continuations of one job; a server that returns fewer choices than asked (no `n`) is asked again. */
  private async generateOne(job: GenerationJob): Promise<Generated[]> {
    // As text (bos and eos are not text), which the server tokenizes its own way; or as the ids themselves.
    const prompt = this.o.promptTokens ? Array.from(job.prompt) : this.tokenizer.decode(job.prompt);
    const out: Generated[] = [];
    for (let attempt = 0; out.length < job.n; attempt++) {
      if (attempt > job.n) throw new SaturnError(`${this.o.baseUrl}: ${attempt} calls returned ${out.length} of ${job.n} choices`);
      const choices = await this.limited(() =>
        this.post({ model: this.o.model, prompt, n: job.n - out.length, max_tokens: job.maxTokens, temperature: job.temperature, top_p: job.topP, seed: (job.seed + attempt) >>> 0, logprobs: 1, echo: false }),
      );
      for (const c of choices.slice(0, job.n - out.length)) out.push(choiceToGenerated(c, this.tokenizer, job.maxTokens, job.stopToken));
    }
    return out;
  }

  private async post(body: Record<string, unknown>): Promise<CompletionChoice[]> {
    const response = await fetch(`${this.o.baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.o.timeoutSeconds * 1000),
    });
    const text = await response.text();
    if (!response.ok) throw new SaturnError(`${this.o.baseUrl}/v1/completions: HTTP ${response.status}: ${text.slice(0, 300)}`, { retryable: response.status >= 500 || response.status === 429 });
    const parsed = JSON.parse(text) as { choices?: CompletionChoice[] };
    if (!Array.isArray(parsed.choices)) throw new SaturnError(`${this.o.baseUrl}/v1/completions: the answer has no choices: ${text.slice(0, 300)}`);
    return parsed.choices;
  }

  /** Runs `call` when fewer than `concurrency` HTTP requests are in flight. */
  private async limited<T>(call: () => Promise<T>): Promise<T> {
    while (this.running >= this.o.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await call();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {}
}

/** Models the server lists on `GET /v1/models`; an error names the option to fix. */
async function servedModels(o: OpenAiEngineOptions, apiKey: string | undefined): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(`${o.baseUrl}/v1/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (cause) {
    throw new SaturnError(`engines.openai.baseUrl: ${o.baseUrl} does not answer GET /v1/models (${(cause as Error).message})`, { cause });
  }
  if (response.status === 401 || response.status === 403) throw new SaturnError(`engines.openai.apiKey: ${o.baseUrl} refused it (HTTP ${response.status}); set SATURN_OPENAI_API_KEY`);
  if (!response.ok) throw new SaturnError(`engines.openai.baseUrl: GET ${o.baseUrl}/v1/models answered HTTP ${response.status}`);
  const body = (await response.json()) as { data?: { id?: unknown }[] };
  return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
}

/** Factory registered as `openai`: checks that the server answers and serves the model before any request is taken. */
export const openAiEngine: EngineFactory = async ({ options, task }) => {
  const o = openAiOptions(options);
  const apiKey = o.apiKey ?? process.env.SATURN_OPENAI_API_KEY;
  const models = await servedModels(o, apiKey);
  const model = o.model ?? models[0];
  if (!model) throw new SaturnError(`engines.openai.model: ${o.baseUrl}/v1/models lists no model; name one`);
  if (models.length && !models.includes(model)) throw new SaturnError(`engines.openai.model: ${o.baseUrl} does not serve "${model}" (it serves ${models.join(', ')})`);
  return new OpenAiEngine({ ...o, model }, task.tokenizer, apiKey);
};
