import { EngineOptionError, onlyOptions } from './engine.ts';

/** Options of the `openai` engine: the run config's `engines.openai`. */
export interface OpenAiEngineOptions {
  /** The server's root, e.g. `http://127.0.0.1:8000` (`/v1/completions` is appended; a trailing `/v1` is fine). */
  baseUrl: string;
  /** Model name the server serves; default: the first one `/v1/models` lists. */
  model?: string;
  /** Bearer token; better given as SATURN_OPENAI_API_KEY so it is in neither argv nor the stored config. */
  apiKey?: string;
  /** HTTP requests in flight at once (default 4). */
  concurrency: number;
  /** Version this engine reports for every result (default 0: a model saturn does not train). */
  policyVersion: number;
  /** Seconds one HTTP request may take (default 120). */
  timeoutSeconds: number;
  /**
   * Send the prompt as the task's token ids instead of text (default false): only for a server
   * whose tokenizer is the task's (`saturn serve`), which then reads exactly the ids the selector cut.
   */
  promptTokens: boolean;
}

const KNOWN = ['baseUrl', 'model', 'apiKey', 'concurrency', 'policyVersion', 'timeoutSeconds', 'promptTokens'] as const;

/** `engines.openai` checked, defaults filled in; throws an EngineOptionError naming the field. */
export function openAiOptions(o: Record<string, unknown>): OpenAiEngineOptions {
  onlyOptions(o, KNOWN);
  const url = o.baseUrl;
  if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+/.test(url)) throw new EngineOptionError('baseUrl', 'the http(s) URL of an OpenAI-compatible server', url);
  for (const f of ['model', 'apiKey'] as const) if (o[f] !== undefined && (typeof o[f] !== 'string' || o[f] === '')) throw new EngineOptionError(f, 'a non-empty string', o[f]);
  const int = (f: 'concurrency' | 'policyVersion', min: number, fallback: number) => {
    const v = o[f] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new EngineOptionError(f, `an integer ≥ ${min}`, v);
    return v;
  };
  const timeout = o.timeoutSeconds ?? 120;
  if (typeof timeout !== 'number' || !(timeout > 0 && timeout <= 3600)) throw new EngineOptionError('timeoutSeconds', 'seconds in (0, 3600]', timeout);
  if (o.promptTokens !== undefined && typeof o.promptTokens !== 'boolean') throw new EngineOptionError('promptTokens', 'true or false', o.promptTokens);
  return {
    baseUrl: url.replace(/\/+$/, '').replace(/\/v1$/, ''),
    model: o.model as string | undefined,
    apiKey: o.apiKey as string | undefined,
    concurrency: int('concurrency', 1, 4),
    policyVersion: int('policyVersion', 0, 0),
    timeoutSeconds: timeout,
    promptTokens: o.promptTokens === true,
  };
}

/** Option checks of the built-in engines, light enough for the config check to import. */
export const BUILT_IN_ENGINE_OPTIONS: Record<string, (o: Record<string, unknown>) => void> = {
  tfjs: (o) => onlyOptions(o, []),
  openai: (o) => void openAiOptions(o),
};
