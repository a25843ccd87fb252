import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { charTokenizer } from '../../../src/tasks/char-tokenizer.ts';
import { checkConfiguredEngine, checkEngineOptions, loadEngine } from '../../../src/rollout/index.ts';
import { choiceToGenerated } from '../../../src/rollout/openai-engine.ts';
import { loadRunConfig, runConfig } from '../../../src/run/config.ts';
import { taskOf } from '../../../src/run/task-spec.ts';

const EXAMPLE_ENGINE = './examples/engines/recompute-engine.ts';

function configFile(config: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'saturn-plugins-')), 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('plug-ins by name, path or package', () => {
  it('plugins - an engine loads by path; its options are checked under engines.<its name>', async () => {
    const plugin = await loadEngine(EXAMPLE_ENGINE);
    expect(plugin.name).toBe('recompute');
    expect(checkEngineOptions(plugin, { maxPromptTokens: 40 })).toEqual({ maxPromptTokens: 40 });
    expect(() => checkEngineOptions(plugin, { maxPromptTokens: -1 })).toThrow(/^engines\.recompute\.maxPromptTokens: expected a positive integer, got -1$/);
    expect(() => checkEngineOptions(plugin, { maxPromptToken: 4 })).toThrow(/^engines\.recompute\.maxPromptToken: expected a known option \(one of maxPromptTokens\)/);
    // What `saturn up` does before any actor starts.
    await expect(checkConfiguredEngine(EXAMPLE_ENGINE, { recompute: { speed: 3 } })).rejects.toThrow(/^engines\.recompute\.speed: expected a known option/);
    await expect(checkConfiguredEngine('tfjs', {})).resolves.toBeUndefined();
  });

  it('plugins - an engine that cannot be found or exports none is one error naming the flag', async () => {
    await expect(loadEngine('./no/such-engine.ts')).rejects.toThrow(/^--engine: unknown rollout engine "\.\/no\/such-engine\.ts": not a built-in one \(tfjs, openai.*\) nor a file that exists/);
    await expect(loadEngine('no-such-saturn-engine-package', 'rollout.engine')).rejects.toThrow(/^rollout\.engine: unknown rollout engine "no-such-saturn-engine-package": not a built-in one .* nor a package that can be found/);
    await expect(loadEngine('./examples/tasks/long-sums.ts')).rejects.toThrow(/exports no engine plug-in/);
  });

  it('plugins - built-in engine options are checked with the config, naming the field', () => {
    expect(runConfig().rollout.engine).toBe('tfjs');
    expect(() => runConfig({ engines: { openai: { baseUrl: 'localhost:8000' } } })).toThrow(/^engines\.openai\.baseUrl: expected the http\(s\) URL/);
    expect(() => runConfig({ engines: { openai: { baseUrl: 'http://h:1', concurency: 2 } } })).toThrow(/^engines\.openai\.concurency: expected a known option/);
    expect(() => runConfig({ engines: { tfjs: { maxRows: 2 } } })).toThrow(/^engines\.tfjs\.maxRows: expected no options/);
    expect(() => runConfig({ engines: { openai: 'x' } as never })).toThrow(/^engines\.openai: expected an object/);
    expect(runConfig({ rollout: { engine: 'openai' }, engines: { openai: { baseUrl: 'http://h:1/v1' }, mine: { any: 1 } } }).engines).toEqual({ openai: { baseUrl: 'http://h:1/v1' }, mine: { any: 1 } });
  });

  it('plugins - a task loads by path with its options; a bad option names task.options.<field>', async () => {
    const spec = { name: './examples/tasks/long-sums.ts', options: { operands: 6 } };
    const config = await loadRunConfig(configFile({ task: spec, selector: { split: 'long' } }));
    const task = taskOf(config.task);
    expect(task.splits).toContain('long');
    expect(task.generate('long', 1, 3)[0]!.prompt.split('+')).toHaveLength(6);
    await expect(loadRunConfig(configFile({ task: { ...spec, options: { operands: 12 } } }))).rejects.toThrow(/^task\.options\.operands: expected an integer in \[2, 9\], got 12$/);
    await expect(loadRunConfig(configFile({ task: { name: './examples/tasks/none.ts' } }))).rejects.toThrow(/^task\.name: unknown task "\.\/examples\/tasks\/none\.ts": not a built-in one \(arithmetic, jsonl.*\) nor a file that exists/);
  });

  it('plugins - server tokens map back to task ids through their text; the log-prob total is kept', () => {
    const tok = charTokenizer('0123456789+=;#');
    const choice = { text: '12+3', finish_reason: 'stop', logprobs: { tokens: ['12', '+', '3'], token_logprobs: [-1.5, -0.25, -0.5] } };
    const g = choiceToGenerated(choice, tok, 16, tok.eos);
    expect(Array.from(g.tokens)).toEqual([...tok.encode('12+3'), tok.eos]);
    expect(Array.from(g.logProbs)).toEqual([-1.5, 0, -0.25, -0.5, 0]);
    expect(g.stopped).toBe(true);
    // Cut at maxTokens: not stopped, no eos.
    const cut = choiceToGenerated(choice, tok, 3, tok.eos);
    expect(Array.from(cut.tokens)).toEqual(Array.from(tok.encode('12+')));
    expect(cut.stopped).toBe(false);
    // A character the task cannot write ends the continuation before it.
    const alien = choiceToGenerated({ text: '1 x', finish_reason: 'stop', logprobs: { tokens: ['1', ' x'], token_logprobs: [-1, -2] } }, tok, 16, tok.eos);
    expect(Array.from(alien.tokens)).toEqual(Array.from(tok.encode('1')));
    expect(alien.stopped).toBe(false);
    expect(() => choiceToGenerated({ text: '1' }, tok, 16, tok.eos)).toThrow(/without per-token logprobs/);
  });
});
