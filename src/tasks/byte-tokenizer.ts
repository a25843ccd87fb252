import { SPECIAL_COUNT, SPECIAL_IDS } from './char-tokenizer.ts';
import type { Tokenizer } from './types.ts';

/**
 * A byte-level UTF-8 tokenizer: ids 0, 1, 2 are pad/bos/eos and ids 3 … 258 are the bytes
 * 0 … 255. It encodes any text; decoding a byte sequence that is not valid UTF-8 (a policy can
 * emit one) yields U+FFFD replacement characters instead of failing.
 */
export function byteTokenizer(): Tokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8');
  const vocabSize = SPECIAL_COUNT + 256;
  return {
    vocabSize,
    ...SPECIAL_IDS,
    encode(text: string): Int32Array {
      const bytes = encoder.encode(text);
      const ids = new Int32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) ids[i] = bytes[i] + SPECIAL_COUNT;
      return ids;
    },
    decode(ids: ArrayLike<number>): string {
      const bytes: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new RangeError(`cannot decode id ${id} at position ${i}: vocabulary has ${vocabSize} ids`);
        }
        if (id < SPECIAL_COUNT) continue;
        bytes.push(id - SPECIAL_COUNT);
      }
      return decoder.decode(Uint8Array.from(bytes));
    },
  };
}
