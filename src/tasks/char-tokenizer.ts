import { TaskOptionError, UnknownCharError } from './errors.ts';
import type { Tokenizer } from './types.ts';

/** Ids reserved by every saturn tokenizer, ahead of the text symbols. */
export const SPECIAL_IDS = { pad: 0, bos: 1, eos: 2 } as const;

/** Number of reserved ids; the first text symbol gets this id. */
export const SPECIAL_COUNT = 3;

/**
 * A tokenizer with one token per character of `alphabet`: ids 0, 1, 2 are pad/bos/eos, then the
 * alphabet's characters in order. One character is one token, so a per-character loss mask is
 * also a per-token one.
 *
 * @example
 * const tok = charTokenizer('0123456789+=');
 * tok.encode('1+2='); // Int32Array [4, 13, 5, 14]
 */
export function charTokenizer(alphabet: string): Tokenizer {
  // Code points rather than UTF-16 units, so an alphabet may hold characters outside the BMP.
  const chars = Array.from(alphabet);
  if (chars.length === 0) throw new TaskOptionError('alphabet', 'at least one character', alphabet);
  const idOf = new Map<string, number>();
  chars.forEach((char, i) => {
    if (idOf.has(char)) throw new TaskOptionError('alphabet', 'distinct characters', alphabet);
    idOf.set(char, SPECIAL_COUNT + i);
  });
  const vocabSize = SPECIAL_COUNT + chars.length;

  return {
    vocabSize,
    ...SPECIAL_IDS,
    encode(text: string): Int32Array {
      const symbols = Array.from(text);
      const ids = new Int32Array(symbols.length);
      symbols.forEach((char, i) => {
        const id = idOf.get(char);
        if (id === undefined) throw new UnknownCharError(char, i);
        ids[i] = id;
      });
      return ids;
    },
    decode(ids: ArrayLike<number>): string {
      let text = '';
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new RangeError(`cannot decode id ${id} at position ${i}: vocabulary has ${vocabSize} ids`);
        }
        if (id < SPECIAL_COUNT) continue;
        text += chars[id - SPECIAL_COUNT];
      }
      return text;
    },
  };
}
