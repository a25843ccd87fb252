/**
 * The prefix pool as a training set to take elsewhere: one row per entry with the paper's columns
 * (`question`, `truncated_cot`, `ground_truth`, as its TRL GRPOTrainer CSVs have them) and what
 * saturn knows of each prefix. Pure: rows in, text out.
 */
import type { PoolEntry } from '../pool/entry.ts';

/** One exported prefix. */
export interface PrefixRow {
  /** The question's text (the prompt before the prefix). */
  question: string;
  /** The failure prefix the policy continues from. */
  truncated_cot: string;
  /** The reference answer the completion is verified against. */
  ground_truth: string;
  /** Conditioned accuracy from the prefix, estimated from its recent trials. */
  p_hat: number;
  /** Wilson interval (z = 1.96) of p_hat. */
  ci_low: number;
  ci_high: number;
  /** Share of the source failure's tokens the prefix keeps. */
  fraction: number;
  /** Policy version of the newest observation behind p_hat. */
  policy_version: number;
}

/** The export's columns, in order. */
export const PREFIX_COLUMNS: readonly (keyof PrefixRow)[] = ['question', 'truncated_cot', 'ground_truth', 'p_hat', 'ci_low', 'ci_high', 'fraction', 'policy_version'];

/** Rows of `entries`, ordered by question id so two exports of the same pool are equal. */
export function prefixRows(entries: readonly PoolEntry[]): PrefixRow[] {
  return [...entries]
    .sort((a, b) => (a.questionId < b.questionId ? -1 : a.questionId > b.questionId ? 1 : 0))
    .map((e) => ({ question: e.prompt, truncated_cot: e.prefixText, ground_truth: e.answer, p_hat: e.pHat, ci_low: e.low, ci_high: e.high, fraction: e.fraction, policy_version: e.policyVersion }));
}

/** One JSON object per line (JSON Lines), columns in order. */
export function toJsonl(rows: readonly PrefixRow[]): string {
  return rows.map((r) => JSON.stringify(Object.fromEntries(PREFIX_COLUMNS.map((c) => [c, r[c]])))).join('\n') + (rows.length ? '\n' : '');
}

/**
 * RFC 4180 CSV with a header row: a field holding a comma, quote, CR or LF, or starting or
 * ending with a space, is quoted, its quotes doubled. Lines end with CRLF, as the RFC (and
 * Python's csv writer) has them; newlines inside a quoted field are kept as they are.
 */
export function toCsv(rows: readonly PrefixRow[]): string {
  const lines = [PREFIX_COLUMNS.map(csvField), ...rows.map((r) => PREFIX_COLUMNS.map((c) => csvField(r[c])))];
  return lines.map((l) => l.join(',') + '\r\n').join('');
}

function csvField(value: string | number): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
