import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PREFIX_COLUMNS, prefixRows, toCsv, toJsonl } from '../../../src/export/prefixes.ts';
import type { PoolEntry } from '../../../src/pool/entry.ts';

function entry(questionId: string, prompt: string, prefixText: string, answer: string): PoolEntry {
  return { questionId, split: 'easy', prompt, answer, prefix: [], prefixText, fraction: 0.3, sourceFailure: '', selection: { successes: 5, trials: 10 }, pHat: 0.5, low: 0.24, high: 0.76, observations: 10, recent: [], policyVersion: 7, generation: 0, createdAt: 0, updatedAt: 0 };
}

// Everything CSV must quote: commas, quotes, CR/LF inside a field, leading spaces, non-ASCII.
const ENTRIES = [
  entry('b', 'What is "1,2" + 3?', 'Let me think,\nstep one: "quoted"\r\nthen', '\\frac{1}{2}'),
  entry('a', ' 12+86+66=', '0012+086=0098!', '164'),
  entry('c', 'p̂ ≈ ½ — ünïcode', '', '0'),
];

/** Python's own csv and json modules read the text back as rows of strings. */
function python(script: string, input: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', script], { input, encoding: 'utf8' }));
}

describe('prefix export', () => {
  it('export - rows carry the paper’s columns plus p_hat, interval, fraction, policy version, ordered by question id', () => {
    const rows = prefixRows(ENTRIES);
    expect(PREFIX_COLUMNS).toEqual(['question', 'truncated_cot', 'ground_truth', 'p_hat', 'ci_low', 'ci_high', 'fraction', 'policy_version']);
    expect(rows.map((r) => r.ground_truth)).toEqual(['164', '\\frac{1}{2}', '0']);
    expect(rows[0]).toEqual({ question: ' 12+86+66=', truncated_cot: '0012+086=0098!', ground_truth: '164', p_hat: 0.5, ci_low: 0.24, ci_high: 0.76, fraction: 0.3, policy_version: 7 });
  });

  it('export - Python’s csv module reads the CSV back field for field (quotes, commas, newlines, spaces, unicode)', () => {
    const rows = prefixRows(ENTRIES);
    const read = python('import csv, io, json, sys; print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))))', toCsv(rows)) as Array<Record<string, string>>;
    expect(read).toEqual(rows.map((r) => Object.fromEntries(PREFIX_COLUMNS.map((c) => [c, String(r[c])]))));
  });

  it('export - Python’s json module reads every JSONL line back as the row', () => {
    const rows = prefixRows(ENTRIES);
    const read = python('import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin.read().splitlines() if l]))', toJsonl(rows));
    expect(read).toEqual(rows);
    expect(toJsonl([])).toBe('');
  });
});
