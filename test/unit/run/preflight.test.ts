import { describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/run/config.ts';
import { preflight } from '../../../src/run/preflight.ts';

const JSONL = { name: 'jsonl', options: { path: 'examples/data/arithmetic-boxed.jsonl', testShare: 0.2 } };

describe('preflight', () => {
  it('preflight - the default run passes and returns its task', () => {
    expect(preflight(runConfig()).name).toBe('arithmetic');
  });

  it('preflight - a checkpoint of another vocabulary, a missing checkpoint and an unknown split are one line each', () => {
    const jsonlSplits = { selector: { split: 'train' }, evaluation: { splits: ['test'] } };
    expect(() => preflight(runConfig({ task: JSONL, ...jsonlSplits }))).toThrow(/^checkpoint: checkpoints\/arithmetic\.ckpt has a vocabulary of 18 ids, task jsonl's tokenizer has 259/);
    expect(() => preflight(runConfig({ checkpoint: 'no/such.ckpt' }))).toThrow(/^checkpoint: no\/such\.ckpt cannot be read/);
    // Splits are the config's own rules now, checked wherever a config is loaded (actors too).
    expect(() => runConfig({ selector: { split: 'tiny' } })).toThrow(/^selector\.split: expected a split of task arithmetic \(one of .*\), got "tiny"$/);
    expect(() => runConfig({ evaluation: { splits: ['easy', 'x'] } })).toThrow(/^evaluation\.splits\[1\]: expected a split of/);
    expect(() => runConfig({ task: { name: 'jsonl' } })).toThrow('task.options.path: expected the path of a JSONL file, got undefined');
  });
});
