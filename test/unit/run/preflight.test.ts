import { describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/run/config.ts';
import { preflight } from '../../../src/run/preflight.ts';

const JSONL = { name: 'jsonl', options: { path: 'examples/data/arithmetic-boxed.jsonl', testShare: 0.2 } };

describe('preflight', () => {
  it('preflight - the default run passes and returns its task', () => {
    expect(preflight(runConfig()).name).toBe('arithmetic');
  });

  it('preflight - a checkpoint of another vocabulary, a missing checkpoint and an unknown split are one line each', () => {
    expect(() => preflight(runConfig({ task: JSONL }))).toThrow(/^checkpoint: checkpoints\/arithmetic\.ckpt has a vocabulary of 18 ids, task jsonl's tokenizer has 259/);
    expect(() => preflight(runConfig({ checkpoint: 'no/such.ckpt' }))).toThrow(/^checkpoint: no\/such\.ckpt cannot be read/);
    expect(() => preflight(runConfig({ selector: { split: 'tiny' } }))).toThrow(/^selector\.split: expected one of task arithmetic's splits \(.*\), got "tiny"$/);
    expect(() => preflight(runConfig({ evaluation: { splits: ['easy', 'x'] } }))).toThrow(/^evaluation\.splits\[1\]: expected one of/);
    expect(() => preflight(runConfig({ task: { name: 'jsonl' } }))).toThrow('task.options.path: expected the path of a JSONL file, got undefined');
  });
});
